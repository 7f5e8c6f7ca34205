"""APBDes (Anggaran Pendapatan dan Belanja Desa): the village budget from plan to realization.

``reference`` holds the account tree (Permendagri 20/2018) shipped under ``resources/``; ``models`` the
tables; ``ledger`` the pure totals and tree; ``service`` the one way in for every change; ``siskeudes``
and ``template`` read the files villages already have. Money is ``Decimal`` (stored as integer sen),
never a float.
"""

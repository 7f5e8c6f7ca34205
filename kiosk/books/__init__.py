"""The village's official books (Buku Administrasi Desa, Permendagri 47/2016) and the monthly
population report (laporan bulanan perkembangan penduduk), computed from the store's events."""

"""Office store: every entity of DESIGN.md (initial schema).

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 18:18:30.225174
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=True),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('complaint',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('reporter_resident_id', sa.String(length=36), nullable=True),
    sa.Column('reporter_name', sa.String(length=150), nullable=False),
    sa.Column('reporter_phone', sa.String(length=30), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('first_response_at', sa.DateTime(), nullable=True),
    sa.Column('first_response_by', sa.String(length=36), nullable=True),
    sa.Column('first_response', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by', sa.String(length=36), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_status'), ['status'], unique=False)

    op.create_table('device',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('district_url', sa.String(length=300), nullable=True),
    sa.Column('server_device_id', sa.String(length=64), nullable=True),
    sa.Column('token', sa.String(length=200), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(), nullable=True),
    sa.Column('signing_key', sa.LargeBinary(), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('needs_reenroll', sa.Boolean(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('restored_at', sa.DateTime(), nullable=True),
    sa.Column('last_server_time', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('family',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kk_number', sa.String(length=16), nullable=True),
    sa.Column('head_resident_id', sa.String(length=36), nullable=True),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('rt', sa.String(length=3), nullable=False),
    sa.Column('rw', sa.String(length=3), nullable=False),
    sa.Column('dusun', sa.String(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_kk_number'), ['kk_number'], unique=False)

    op.create_table('letter_number',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence_key', sa.String(length=40), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('letter_id', sa.String(length=36), nullable=True),
    sa.Column('lease_id', sa.String(length=64), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'sequence_key', 'number', name='uq_letter_number')
    )
    op.create_table('letter_number_lease',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence_key', sa.String(length=40), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('next_number', sa.Integer(), nullable=False),
    sa.Column('obtained_at', sa.DateTime(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('login_attempt',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('office_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_code', sa.String(length=13), nullable=False),
    sa.Column('village_name', sa.String(length=100), nullable=False),
    sa.Column('village_kind', sa.String(length=20), nullable=False),
    sa.Column('kecamatan_name', sa.String(length=100), nullable=False),
    sa.Column('kabupaten_name', sa.String(length=100), nullable=False),
    sa.Column('provinsi_name', sa.String(length=100), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=120), nullable=False),
    sa.Column('head_name', sa.String(length=120), nullable=False),
    sa.Column('head_title', sa.String(length=60), nullable=False),
    sa.Column('head_nip', sa.String(length=30), nullable=True),
    sa.Column('secretary_name', sa.String(length=120), nullable=False),
    sa.Column('secretary_title', sa.String(length=60), nullable=False),
    sa.Column('secretary_nip', sa.String(length=30), nullable=True),
    sa.Column('letterhead_lines', sa.JSON(), nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('service_hours', sa.Text(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('outbox_change',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('change_id', sa.String(length=36), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('op', sa.String(length=12), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('acked_at', sa.DateTime(), nullable=True),
    sa.Column('server_seq', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('change_id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('outbox_change', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_entity', ['entity', 'entity_id', 'seq'], unique=False)
        batch_op.create_index('ix_outbox_state', ['state', 'seq'], unique=False)

    op.create_table('setting',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('user',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('resident',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('nik', sa.String(length=16), nullable=True),
    sa.Column('kk_number', sa.String(length=16), nullable=True),
    sa.Column('family_id', sa.String(length=36), nullable=True),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('name_search', sa.String(length=150), nullable=False),
    sa.Column('birth_place', sa.String(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('sex', sa.Integer(), nullable=True),
    sa.Column('religion', sa.Integer(), nullable=True),
    sa.Column('marital_status', sa.Integer(), nullable=True),
    sa.Column('family_relation', sa.Integer(), nullable=True),
    sa.Column('education', sa.Integer(), nullable=True),
    sa.Column('education_current', sa.Integer(), nullable=True),
    sa.Column('occupation', sa.Integer(), nullable=True),
    sa.Column('blood_type', sa.Integer(), nullable=True),
    sa.Column('citizenship', sa.Integer(), nullable=True),
    sa.Column('father_nik', sa.String(length=16), nullable=True),
    sa.Column('father_name', sa.String(length=150), nullable=False),
    sa.Column('mother_nik', sa.String(length=16), nullable=True),
    sa.Column('mother_name', sa.String(length=150), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('rt', sa.String(length=3), nullable=False),
    sa.Column('rw', sa.String(length=3), nullable=False),
    sa.Column('dusun', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('nik_warnings', sa.JSON(), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.create_index('ix_resident_dusun_rt_rw', ['dusun', 'rw', 'rt'], unique=False)
        batch_op.create_index('ix_resident_family', ['family_id'], unique=False)
        batch_op.create_index('ix_resident_kk', ['kk_number'], unique=False)
        batch_op.create_index('ix_resident_name_search', ['name_search'], unique=False)
        batch_op.create_index('ix_resident_nik', ['nik'], unique=False)

    op.create_table('letter',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=True),
    sa.Column('number', sa.String(length=120), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence_key', sa.String(length=40), nullable=False),
    sa.Column('sequence_number', sa.Integer(), nullable=False),
    sa.Column('letter_type', sa.String(length=40), nullable=False),
    sa.Column('letter_type_version', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.String(length=36), nullable=True),
    sa.Column('resident_snapshot', sa.JSON(), nullable=False),
    sa.Column('office_snapshot', sa.JSON(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('signer', sa.JSON(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('token', sa.Text(), nullable=True),
    sa.Column('pdf_path', sa.Text(), nullable=True),
    sa.Column('pdf_hash', sa.String(length=64), nullable=True),
    sa.Column('issued_by', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('reissue_of', sa.String(length=36), nullable=True),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('voided_by', sa.String(length=36), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('print_count', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'sequence_key', 'sequence_number', name='uq_letter_sequence')
    )
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.create_index('ix_letter_issued_on', ['issued_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_letter_type'), ['letter_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_resident_id'), ['resident_id'], unique=False)

    op.create_table('letter_request',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('resident_id', sa.String(length=36), nullable=False),
    sa.Column('letter_type', sa.String(length=40), nullable=False),
    sa.Column('letter_type_version', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('queue_number', sa.String(length=12), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by', sa.String(length=36), nullable=True),
    sa.Column('letter_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('letter_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_request_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_request_status'), ['status'], unique=False)

    op.create_table('population_event',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('resident_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('population_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_population_event_resident_id'), ['resident_id'], unique=False)

    # The audit trail is append-only: the database refuses edits; the hash chain catches the rest.
    op.execute(
        "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
    op.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
    with op.batch_alter_table('population_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_population_event_resident_id'))

    op.drop_table('population_event')
    with op.batch_alter_table('letter_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_request_status'))
        batch_op.drop_index(batch_op.f('ix_letter_request_resident_id'))

    op.drop_table('letter_request')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_resident_id'))
        batch_op.drop_index(batch_op.f('ix_letter_letter_type'))
        batch_op.drop_index('ix_letter_issued_on')

    op.drop_table('letter')
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_nik')
        batch_op.drop_index('ix_resident_name_search')
        batch_op.drop_index('ix_resident_kk')
        batch_op.drop_index('ix_resident_family')
        batch_op.drop_index('ix_resident_dusun_rt_rw')

    op.drop_table('resident')
    op.drop_table('user')
    op.drop_table('setting')
    with op.batch_alter_table('outbox_change', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state')
        batch_op.drop_index('ix_outbox_entity')

    op.drop_table('outbox_change')
    op.drop_table('office_profile')
    op.drop_table('login_attempt')
    op.drop_table('letter_number_lease')
    op.drop_table('letter_number')
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_kk_number'))

    op.drop_table('family')
    op.drop_table('device')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_status'))

    op.drop_table('complaint')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entity')

    op.drop_table('audit_entry')

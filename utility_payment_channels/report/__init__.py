from . import agency_settlement_xlsx

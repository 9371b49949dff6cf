from . import billing_run_xlsx

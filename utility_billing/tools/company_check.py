"""Company consistency of a batch of records, checked once per distinct value.

Odoo's ``_check_company`` evaluates, for every record and every
company-checked relational field, whether the linked records belong to the
record's company. The billing run creates hundreds of bills sharing the same
journal, accounts, product, tariff and payment term: the same question is
asked hundreds of times. ``companies_consistent`` asks it once per company
and field, for the union of the linked records. It only ever says
"consistent" (the caller then skips Odoo's check) or "not sure" (the caller
runs Odoo's own check, which raises its own error). The flag switching it on
is ``BATCH_COMPANY_CHECK`` of ``models/utility_bulk_booking.py``.
"""


def companies_consistent(records, fnames=None):
    """True when every company-checked relational field of ``records``
    (restricted to ``fnames`` as Odoo does) points to records allowed for the
    company of its record; False when any is not, or cannot be told here."""
    fields = records._fields
    if fnames is None or {"company_id", "company_ids"} & set(fnames):
        fnames = fields
    regular, company_dependent = [], []
    for name in fnames:
        field = fields[name]
        if field.relational and field.check_company:
            (company_dependent if field.company_dependent else regular).append(name)
    if regular and "company_id" not in fields:
        return False
    records = records.sudo()
    groups = [(company, group) for company, group in records.grouped("company_id").items()]
    if company_dependent:
        groups.append((records.env.company, None))
    for company, group in groups:
        for name in regular if group is not None else company_dependent:
            # every record of the group is checked against the same company:
            # checking the union of their values is checking each of them
            corecords = (group if group is not None else records).mapped(name)
            if not corecords:
                continue
            domain = corecords._check_company_domain(company)
            if domain and corecords != corecords.with_context(active_test=False).filtered_domain(
                domain
            ):
                return False
    return True

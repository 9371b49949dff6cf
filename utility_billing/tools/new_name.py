"""The placeholder name of a record before it gets its sequence number.

Records are created with the name "New" in their creator's language (the
field's default is ``env._("New")``) and get their number at creation or at
their first action (an agency file at its import, a settlement at its
confirmation). Whether a name is still the placeholder cannot be asked of
the current user's translation: a file uploaded by a user working in Chinese
and imported by one working in English would keep "新建" for a number.
``is_new_name`` recognises the placeholder in any installed language.
"""

from odoo.tools.translate import code_translations

NEW = "New"


def is_new_name(model, name):
    """Whether ``name`` (of a record of ``model``) is empty or still the
    placeholder "New", in English or in any installed language, as the
    model's add-on translates it."""
    if not name or name == NEW:
        return True
    return any(
        code_translations.get_python_translations(model._module, code).get(NEW) == name
        for code, _label in model.env["res.lang"].get_installed()
        if code != "en_US"
    )

"""``{% contact_address as address %}``: the moderation team's bare address (``COMCEP_CONTACT_EMAIL``), empty
when unset, for the pages that invite a member to write (``templates/accounts/includes/contact_if_mistaken.html``)
without each view passing it."""

from django import template

from comcep.accounts.contact import contact_address as _contact_address

register = template.Library()


@register.simple_tag
def contact_address() -> str:
    return _contact_address()

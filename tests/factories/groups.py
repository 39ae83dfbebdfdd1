"""Regional groups built through ``comcep.groups.services`` (so the auth group, the space and
the space moderators follow the memberships)."""

import itertools

from comcep.groups import services
from comcep.groups.enums import Role
from comcep.taxonomy.models import Region

_counter = itertools.count(1)


def make_group(*, region="auvergne-rhone-alpes", slug=None, name=None, coordinators=(), members=(),
               description="Le groupe des conseillers de la région."):
    n = next(_counter)
    group = services.create_group(region=Region.objects.get(slug=region), slug=slug or f"groupe-test-{n}",
                                  name=name or f"Groupe test {n}", description=description,
                                  coordinators=list(coordinators))
    for user in members:
        services.ensure_active(group=group, user=user, role=Role.MEMBER)
    return group

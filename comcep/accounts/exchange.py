"""``members`` in the content exchange format."""

from comcep.core.exchange import ImportContext, Section


class MemberSection(Section):
    key = "members"
    order = 20

    def validate(self, items: list, ctx: ImportContext) -> None:
        raise NotImplementedError("members import: see issue #2")

    def apply(self, items: list, ctx: ImportContext) -> None:
        raise NotImplementedError

    def export(self) -> list:
        return []

"""factory_boy factories shared by the suite, one module per app."""

from .accounts import ApprovedDomainFactory, ModeratorFactory, PendingUserFactory, UserFactory

__all__ = ["ApprovedDomainFactory", "ModeratorFactory", "PendingUserFactory", "UserFactory"]

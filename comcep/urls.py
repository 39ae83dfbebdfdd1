from django.conf import settings
from django.urls import include, path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from comcep.accounts import urls as accounts_urls
from comcep.core import views as core_views

urlpatterns = [
    # Every login goes through allauth (verification, rate limits, MFA), the admin's too.
    path("admin/login/", core_views.admin_login, name="admin_login_gate"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("comptes/", include(accounts_urls.allauth_patterns)),  # allauth's, a form with errors answering 400
    path("mon-espace/notifications/", include("comcep.notifications.urls")),
    path("mon-espace/", include("comcep.accounts.urls")),
    path("recherche/", include("search.urls")),
    path("annuaire/", include("comcep.directory.urls")),
    path("groupes/", include("comcep.groups.urls")),
    path("messages/", include("comcep.conversations.urls")),
    path("sante/", core_views.health, name="health"),
    path("langue/", set_language, name="set_language"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("", include("comcep.events.urls")),
    path("", include("comcep.news.urls")),
    path("", include("forums.urls")),
    path("", include("resources.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns.append(path("", include(wagtail_urls)))

handler403 = "comcep.core.errors.permission_denied"
handler404 = "comcep.core.errors.page_not_found"
handler500 = "comcep.core.errors.server_error"

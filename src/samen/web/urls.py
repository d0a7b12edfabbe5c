"""The platform's URLs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import path, re_path

from samen.web.core.views import (
    auth,
    family,
    homes,
    language,
    notifications,
    office,
    office_audit,
    office_numbers,
    office_staff,
    public,
    school,
    second_factor,
    site,
    steps,
)

urlpatterns = [
    path("", family.home, name="home"),
    path("favicon.ico", site.favicon, name="favicon"),
    path("i18n/setlang/", language.set_language, name="set_language"),
    # signing in
    path("signin/", auth.signin, name="signin"),
    path("signin/code/", auth.signin_code, name="signin_code"),
    path("signout/", auth.signout, name="signout"),
    path("signin/totp/", second_factor.verify, name="signin_totp"),
    path("signin/totp/setup/", second_factor.setup, name="signin_totp_setup"),
    # rounds and schools (public)
    path("rounds/<slug:slug>/", family.round_page, name="round"),
    path("rounds/<slug:slug>/draw/", family.draw_page, name="draw"),
    path("rounds/<slug:slug>/schools/<str:code>/", public.school_page, name="school"),
    path("rounds/<slug:slug>/map/", public.map_page, name="round_map"),
    path("rounds/<slug:slug>/map.json", public.map_json, name="round_map_json"),
    path("rounds/<slug:slug>/results/", public.results_page, name="round_results"),
    path(
        "rounds/<slug:slug>/results/<str:stem>.zip",
        public.results_download,
        name="round_results_download",
    ),
    # families
    path("rounds/<slug:slug>/register/", family.child_new, name="child_new"),
    path("children/<int:pk>/", family.child_detail, name="child"),
    path("children/<int:pk>/edit/", family.child_edit, name="child_edit"),
    path("children/<int:pk>/delete/", family.child_delete, name="child_delete"),
    path("children/<int:pk>/choices/add/", family.choice_add, name="choice_add"),
    path("children/<int:pk>/choices/move/", family.choice_move, name="choice_move"),
    path("children/<int:pk>/choices/remove/", family.choice_remove, name="choice_remove"),
    path("children/<int:pk>/choices/order/", family.choice_order, name="choice_order"),
    path("children/<int:pk>/pledge/new/", family.pledge_new, name="pledge_new"),
    path("children/<int:pk>/pledge/leave/", family.pledge_leave, name="pledge_leave"),
    path("children/<int:pk>/answer/", family.respond, name="respond"),
    path("pledge/<str:token>/", family.pledge_invite, name="pledge_invite"),
    path("account/", family.account, name="account"),
    path("account/export.json", family.account_export, name="account_export"),
    path("account/delete/", family.account_delete, name="account_delete"),
    # schools
    path("school/", school.home, name="school_home"),
    path("school/<slug:slug>/<str:code>/", school.applicants, name="school_applicants"),
    # the admission office
    path("office/", office.home, name="office"),
    path("office/rounds/new/", office.round_new, name="office_round_new"),
    path("office/rounds/import/", office.round_import, name="office_import"),
    path("office/rounds/<slug:slug>/", office.round_detail, name="office_round"),
    path("office/rounds/<slug:slug>/edit/", office.round_edit, name="office_round_edit"),
    path("office/rounds/<slug:slug>/status/", steps.round_status, name="office_round_status"),
    path("office/rounds/<slug:slug>/archive/", steps.round_archive, name="office_round_archive"),
    path("office/rounds/<slug:slug>/seed/commit/", steps.seed_commit, name="office_seed_commit"),
    path("office/rounds/<slug:slug>/seed/reveal/", steps.seed_reveal, name="office_seed_reveal"),
    path("office/rounds/<slug:slug>/allocate/", steps.round_allocate, name="office_allocate"),
    path("office/rounds/<slug:slug>/expire/", office.round_expire, name="office_expire"),
    path("office/rounds/<slug:slug>/export.zip", office.round_export, name="office_export"),
    path("office/rounds/<slug:slug>/schools/", office.schools, name="office_schools"),
    path(
        "office/rounds/<slug:slug>/schools/<str:code>/",
        office.school_edit,
        name="office_school",
    ),
    path("office/rounds/<slug:slug>/questions/", office.questions, name="office_questions"),
    path("office/rounds/<slug:slug>/applicants/", office.applicants, name="office_applicants"),
    path(
        "office/rounds/<slug:slug>/applicants/<str:public_id>/",
        office.applicant,
        name="office_applicant",
    ),
    path("office/rounds/<slug:slug>/birth-dates/", homes.birth_dates, name="office_birth_dates"),
    path(
        "office/rounds/<slug:slug>/numbers/",
        office_numbers.numbers_upload,
        name="office_numbers",
    ),
    path(
        "office/rounds/<slug:slug>/applicants/<str:public_id>/home/",
        homes.applicant_home,
        name="office_applicant_home",
    ),
    path("office/jobs/<int:pk>/", office.job_detail, name="office_job"),
    path("office/runs/<int:pk>/", office.run_detail, name="office_run"),
    path("office/runs/<int:pk>/publish/", steps.run_publish, name="office_run_publish"),
    path("office/runs/<int:pk>/download.zip", office.run_download, name="office_run_download"),
    path("office/runs/<int:pk>/report/", office.run_report, name="office_run_report"),
    path("office/audit/", office_audit.audit_log, name="office_audit"),
    path("office/audit/export.csv", office_audit.audit_export, name="office_audit_export"),
    path("office/e-mail/", notifications.office_page, name="office_notifications"),
    path("office/e-mail/retry/", notifications.retry, name="office_notifications_retry"),
    path("office/addresses/", homes.addresses, name="office_addresses"),
    path("office/staff/", office_staff.staff, name="office_staff"),
    path("office/staff/<int:pk>/", office_staff.staff_member, name="office_staff_member"),
    path(
        "office/staff/<int:pk>/totp-reset/",
        second_factor.reset,
        name="office_staff_totp_reset",
    ),
]

if settings.SAMEN_SERVE_STATIC:
    urlpatterns += [
        re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}),
    ]

# error pages in the site's look and the visitor's language (samen.web.core.views.errors)
handler400 = "samen.web.core.views.errors.bad_request"
handler403 = "samen.web.core.views.errors.permission_denied"
handler404 = "samen.web.core.views.errors.page_not_found"
handler500 = "samen.web.core.views.errors.server_error"

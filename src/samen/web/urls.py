"""The platform's URLs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import path, re_path
from django.views.i18n import set_language

from samen.web.core.views import auth, family, office, school, site, steps

urlpatterns = [
    path("", family.home, name="home"),
    path("favicon.ico", site.favicon, name="favicon"),
    path("i18n/setlang/", set_language, name="set_language"),
    # signing in
    path("signin/", auth.signin, name="signin"),
    path("signin/code/", auth.signin_code, name="signin_code"),
    path("signout/", auth.signout, name="signout"),
    # rounds and schools (public)
    path("rounds/<slug:slug>/", family.round_page, name="round"),
    path("rounds/<slug:slug>/draw/", family.draw_page, name="draw"),
    path("rounds/<slug:slug>/schools/<str:code>/", family.school_page, name="school"),
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
    path("office/jobs/<int:pk>/", office.job_detail, name="office_job"),
    path("office/runs/<int:pk>/", office.run_detail, name="office_run"),
    path("office/runs/<int:pk>/publish/", steps.run_publish, name="office_run_publish"),
    path("office/runs/<int:pk>/download.zip", office.run_download, name="office_run_download"),
    path("office/runs/<int:pk>/report/", office.run_report, name="office_run_report"),
    path("office/audit/", office.audit_log, name="office_audit"),
    path("office/addresses/", office.addresses, name="office_addresses"),
    path("office/staff/", office.staff, name="office_staff"),
]

if settings.SAMEN_SERVE_STATIC:
    urlpatterns += [
        re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}),
    ]

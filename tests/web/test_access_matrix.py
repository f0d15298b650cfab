"""The access-control matrix: every route × every role (and anonymous) with the answer expected.

The table is written out, not derived from the decorators, so changing who may call a route
means changing this table too. A route missing from it (or a row whose route is gone) fails
with the row to add. Cells:

- ``ok``: let through: the page, a redirect that is not the login page, 400 for an empty form,
  404 for the sample id (the object-level checks have their own tests: test_object_access.py);
- ``403``: refused for the role;
- ``login``: sent to the login page (302), or 401 on the JSON API.

Open311 ``POST requests`` is public but wants an ``api_key``: without one it is 403 for everybody.
The residents' app routes (``/api/resident``) are public but want a resident token: a staff login is no such
token, so they are ``login`` (401) for everybody but the code and token requests.
``POST /api/evidence`` takes files as multipart, which a cross-site form can send with the session cookie:
it wants credentials in the Authorization header, so a session alone is ``login`` even for its roles
(tests/web/test_evidence_steps_web.py calls it with HTTP Basic).

The last column, ``hotln``, is the 12345 platform's integration account calling with its API token (it has no
password and no login): its own two platform routes are ``ok``; every other API route refuses it (403), and a
token is no login for the web pages (``login``).

Sample arguments: numbers are ``999999``, names ``XX``: nothing exists by those ids.
The access decisions do not depend on the database, so this runs on SQLite only.
"""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.people.roles import HOTLINE_PLATFORM
from tests.fixtures.passwords import cheap_password_hashes  # noqa: F401
from tests.web.conftest import LoginAs

#: The 12345 platform's integration account (made by the test; it calls with a token, never logs in).
PLATFORM = "hotline-12345"
#: Column → the demo account that plays the role (None: not logged in).
PRINCIPALS = {"anon": None, "grid": "wangge", "counc": "yishi", "dept": "chengguan", "media": "tiaojie",
              "super": "dudao", "audit": "jiandu", "admin": "admin", "hotln": PLATFORM}

MATRIX = """
                                                                      anon  grid  counc dept  media super audit admin hotln
GET  /                                                                ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /admin/categories                                                login 403   403   403   403   403   403   ok    login
POST /admin/categories/english                                        login 403   403   403   403   403   403   ok    login
POST /admin/categories/change                                         login 403   403   403   403   403   403   ok    login
POST /admin/categories/process                                        login 403   403   403   403   403   403   ok    login
GET  /admin/data-catalogue                                            login 403   403   403   403   403   403   ok    login
POST /admin/departments                                               login 403   403   403   403   403   403   ok    login
GET  /admin/departments/<code>                                        login 403   403   403   403   403   403   ok    login
POST /admin/departments/<code>                                        login 403   403   403   403   403   403   ok    login
POST /admin/departments/<code>/active                                 login 403   403   403   403   403   403   ok    login
POST /admin/grids                                                     login 403   403   403   403   403   403   ok    login
GET  /admin/grids/<code>                                              login 403   403   403   403   403   403   ok    login
POST /admin/grids/<code>                                              login 403   403   403   403   403   403   ok    login
GET  /admin/message-templates                                         login 403   403   403   403   403   403   ok    login
GET  /admin/message-templates/<kind>/<locale>                         login 403   403   403   403   403   403   ok    login
POST /admin/message-templates/<kind>/<locale>                         login 403   403   403   403   403   403   ok    login
POST /admin/message-templates/<kind>/<locale>/reset                   login 403   403   403   403   403   403   ok    login
GET  /admin/organisation                                              login 403   403   403   403   403   403   ok    login
GET  /admin/outbox                                                    login 403   403   403   403   403   403   ok    login
POST /admin/outbox/<int:delivery_id>/resend                           login 403   403   403   403   403   403   ok    login
GET  /admin/integrations                                              login 403   403   403   403   403   403   ok    login
POST /admin/integrations                                              login 403   403   403   403   403   403   ok    login
GET  /admin/tokens                                                    login 403   403   403   403   403   403   ok    login
POST /admin/tokens                                                    login 403   403   403   403   403   403   ok    login
POST /admin/tokens/<int:token_id>/revoke                              login 403   403   403   403   403   403   ok    login
GET  /admin/sso                                                       login 403   403   403   403   403   403   ok    login
POST /admin/sso                                                       login 403   403   403   403   403   403   ok    login
POST /admin/sso/<int:rule_id>/delete                                  login 403   403   403   403   403   403   ok    login
GET  /admin/users                                                     login 403   403   403   403   403   403   ok    login
GET  /admin/users/<username>                                          login 403   403   403   403   403   403   ok    login
POST /admin/users/<username>                                          login 403   403   403   403   403   403   ok    login
POST /admin/users/<username>/active                                   login 403   403   403   403   403   403   ok    login
POST /admin/users/<username>/password                                 login 403   403   403   403   403   403   ok    login
GET  /admin/users/new                                                 login 403   403   403   403   403   403   ok    login
POST /admin/users/new                                                 login 403   403   403   403   403   403   ok    login
GET  /api/cases/<code>                                                login ok    ok    ok    ok    ok    ok    403   403
GET  /api/cases/<code>/dispatch                                       login ok    ok    ok    ok    ok    ok    403   403
POST /api/cases/<code>/messages                                       login 403   403   403   403   ok    403   403   403
POST /api/cases/<code>/whistle                                        login ok    ok    403   403   ok    403   403   403
GET  /api/extensions                                                  login 403   403   403   403   ok    403   403   403
POST /api/evidence                                                    login login login login login login 403   403   403
POST /api/extensions/<int:extension_id>/decision                      login 403   403   403   403   ok    403   403   403
GET  /api/inbox                                                       login ok    ok    ok    ok    ok    403   403   403
GET  /api/openapi.json                                                ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /api/processes                                                   login ok    ok    ok    ok    ok    ok    403   403
POST /api/processes/<key>/cases                                       login ok    ok    ok    ok    ok    403   403   403
GET  /api/work-items/<int:item_id>                                      login ok    ok    ok    ok    ok    403   403   403
POST /api/work-items/<int:item_id>/claim                                login ok    ok    ok    ok    ok    403   403   403
POST /api/work-items/<int:item_id>/complete                             login ok    ok    ok    ok    ok    403   403   403
POST /api/work-items/<int:item_id>/extension                             login 403   403   ok    403   403   403   403   403
POST /api/work-items/<int:item_id>/release                              login ok    ok    ok    ok    ok    403   403   403
POST /api/work-items/<int:item_id>/urge                                  login 403   403   403   403   ok    403   403   403
GET  /assessments/                                                    login 403   ok    403   403   ok    ok    403   login
GET  /assessments/<int:run_id>                                        login 403   ok    403   403   ok    ok    403   login
GET  /assessments/<int:run_id>.csv                                    login 403   ok    403   403   ok    ok    403   login
GET  /assessments/<int:run_id>.xlsx                                   login 403   ok    403   403   ok    ok    403   login
GET  /assessments/<int:run_id>/report                                 login 403   ok    403   403   ok    ok    403   login
GET  /assessments/<int:run_id>/report.pdf                             login 403   ok    403   403   ok    ok    403   login
GET  /assessments/requests/<int:request_id>                            login 403   403   403   403   ok    ok    403   login
GET  /assessments/run                                                 login 403   403   403   403   ok    ok    403   login
POST /assessments/run                                                 login 403   403   403   403   ok    ok    403   login
GET  /audit                                                           login 403   403   403   403   ok    ok    403   login
GET  /audit/access-log                                                login 403   403   403   403   ok    ok    403   login
GET  /audit/access-log.<any(csv,xlsx):fmt>                            login 403   403   403   403   ok    ok    403   login
GET  /audit/cases/<code>                                              login 403   403   403   403   ok    ok    403   login
GET  /audit/core-requests                                             login 403   403   403   403   ok    403   403   login
POST /audit/core-requests/<int:request_id>                            login 403   403   403   403   ok    403   403   login
GET  /audit/cases/<code>/export                                       login 403   403   403   403   ok    ok    403   login
GET  /audit/cases/<code>/summary.pdf                                  login 403   403   403   403   ok    ok    403   login
POST /audit/cases/<code>/export                                       login 403   403   403   403   ok    ok    403   login
GET  /audit/cases/<code>/unmask                                       login ok    403   403   403   ok    403   403   login
POST /audit/cases/<code>/unmask                                       login ok    403   403   403   ok    403   403   login
POST /audit/cases/<code>/verify                                       login 403   403   403   403   ok    ok    403   login
POST /audit/checkpoints                                               login 403   403   403   403   ok    ok    403   login
POST /audit/verify                                                    login 403   403   403   403   ok    ok    403   login
GET  /board/<community>                                               ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /board/<community>/feed.atom                                     ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /board/<community>/photos/<sha256>                               ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /board/<community>/qr.svg                                        ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /cases                                                           login ok    ok    ok    ok    ok    ok    403   login
GET  /cases/<code>                                                    login ok    ok    ok    ok    ok    ok    403   login
GET  /cases/new                                                       login ok    ok    ok    ok    ok    403   403   login
GET  /cases/new/<key>                                                 login ok    ok    ok    ok    ok    403   403   login
POST /cases/new/<key>                                                 login ok    ok    ok    ok    ok    403   403   login
GET  /cases/<code>/files/<sha256>/<any(original,public,thumb):variant> login ok ok ok ok ok ok 403   login
GET  /cases/<code>/diagram.xml                                        login ok    ok    ok    ok    ok    ok    403   login
POST /cases/<code>/messages                                           login 403   403   403   403   ok    403   403   login
POST /cases/<code>/reporter-link                                      login ok    403   403   403   ok    403   403   login
GET  /cases/<code>/items/<int:item_id>/urge                             login 403   403   403   403   ok    403   403   login
POST /cases/<code>/items/<int:item_id>/urge                             login 403   403   403   403   ok    403   403   login
GET  /cases/<code>/whistle                                            login ok    ok    403   403   ok    403   403   login
POST /cases/<code>/whistle                                            login ok    ok    403   403   ok    403   403   login
GET  /council                                                         login 403   ok    403   403   403   403   403   login
GET  /council/households                                              login ok    ok    403   403   403   403   403   login
POST /council/households                                              login ok    ok    403   403   403   403   403   login
POST /council/meetings                                                login 403   ok    403   403   403   403   403   login
GET  /council/meetings/<int:meeting_id>                               login 403   ok    403   403   403   403   403   login
POST /council/meetings/<int:meeting_id>                               login 403   ok    403   403   403   403   403   login
POST /council/meetings/<int:meeting_id>/minutes                       login 403   ok    403   403   403   403   403   login
GET  /council/votes                                                   login ok    ok    403   403   403   403   403   login
GET  /council/votes/<int:vote_id>                                     login ok    ok    403   403   403   403   403   login
POST /council/votes/<int:vote_id>/close                               login 403   ok    403   403   403   403   403   login
POST /council/votes/<int:vote_id>/households/<int:household_id>/link  login ok    403   403   403   403   403   403   login
POST /council/votes/<int:vote_id>/households/<int:household_id>/proxy login ok    403   403   403   403   403   403   login
GET  /dispatch/extensions                                              login 403   403   403   403   ok    403   403   login
POST /dispatch/extensions/<int:extension_id>                          login 403   403   403   403   ok    403   403   login
GET  /dispatch/items/<int:item_id>/extension                          login 403   403   ok    403   403   403   403   login
POST /dispatch/items/<int:item_id>/extension                          login 403   403   ok    403   403   403   403   login
GET  /hotline                                                         login 403   403   403   403   ok    403   403   login
GET  /hotline/orders/<order_no>                                       login 403   403   403   403   ok    403   403   login
POST /hotline/callbacks/<int:callback_id>/retry                       login 403   403   403   403   ok    403   403   login
GET  /inbox                                                           login ok    ok    ok    ok    ok    ok    403   login
GET  /inbox/tasks/<int:item_id>                                       login ok    ok    ok    ok    ok    ok    403   login
POST /inbox/tasks/<int:item_id>                                       login ok    ok    ok    ok    ok    ok    403   login
POST /inbox/tasks/<int:item_id>/claim                                 login ok    ok    ok    ok    ok    ok    403   login
POST /inbox/tasks/<int:item_id>/release                               login ok    ok    ok    ok    ok    ok    403   login
POST /lang/<code>                                                     ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /joint                                                           login ok    ok    403   403   ok    ok    ok    login
POST /joint                                                           login 403   403   403   403   ok    403   ok    login
GET  /joint/<int:committee_id>                                        login ok    ok    403   403   ok    ok    ok    login
POST /joint/<int:committee_id>/cadence                                login 403   403   403   403   ok    403   ok    login
POST /joint/<int:committee_id>/meetings                               login 403   ok    403   403   ok    403   403   login
POST /joint/<int:committee_id>/units                                  login 403   ok    403   403   ok    403   403   login
GET  /joint/meetings/<int:meeting_id>                                 login ok    ok    403   403   ok    ok    ok    login
POST /joint/meetings/<int:meeting_id>/approve                         login 403   ok    403   403   403   403   403   login
POST /joint/meetings/<int:meeting_id>/sitting                         login 403   ok    403   403   ok    403   403   login
POST /joint/resolutions/<int:resolution_id>/done                      login 403   ok    403   403   ok    403   403   login
GET  /login                                                           ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /login                                                           ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /login/sso                                                       ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /login/sso/callback                                              ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /logout                                                          login ok    ok    ok    ok    ok    ok    ok    login
GET  /mediation                                                       login ok    ok    403   ok    ok    ok    403   login
GET  /mediation/<code>                                                login ok    ok    403   ok    ok    ok    403   login
GET  /mediation/<code>/agreements/<int:number>                        login ok    ok    403   ok    ok    ok    403   login
POST /mediation/<code>/agreements/<int:number>                        login 403   403   403   ok    403   403   403   login
GET  /mediation/<code>/agreements/<int:number>.pdf                    login ok    ok    403   ok    ok    ok    403   login
POST /mediation/<code>/contacts                                       login 403   403   403   ok    403   403   403   login
GET  /mediation/new                                                   login ok    403   403   403   ok    403   403   login
POST /mediation/new                                                   login ok    403   403   403   ok    403   403   login
GET  /mediation/tasks/<int:item_id>/agreement                         login 403   403   403   ok    403   403   403   login
POST /mediation/tasks/<int:item_id>/agreement                         login 403   403   403   ok    403   403   403   login
POST /mediation/tasks/<int:item_id>/agreement/in-force                login 403   403   403   ok    403   403   403   login
GET  /mediation/tasks/<int:item_id>/agreement/no-agreement            login 403   403   403   ok    403   403   403   login
POST /mediation/tasks/<int:item_id>/agreement/no-agreement            login 403   403   403   ok    403   403   403   login
POST /mediation/tasks/<int:item_id>/agreement/signatures              login 403   403   403   ok    403   403   403   login
GET  /mediation/tasks/<int:item_id>/assign                            login ok    403   403   403   403   403   403   login
POST /mediation/tasks/<int:item_id>/assign                            login ok    403   403   403   403   403   403   login
GET  /mediation/tasks/<int:item_id>/consent                           login 403   403   403   ok    403   403   403   login
POST /mediation/tasks/<int:item_id>/consent                           login 403   403   403   ok    403   403   403   login
GET  /mediation/tasks/<int:item_id>/session                           login 403   403   403   ok    403   403   403   login
POST /mediation/tasks/<int:item_id>/session                           login 403   403   403   ok    403   403   403   login
GET  /my                                                              ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /my/<key>                                                        ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /my/<key>/add                                                    ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /my/<key>/add                                                    ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /my/<key>/erase                                                  ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /my/<key>/erase                                                  ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /my/<key>/notifications                                          ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /my/<key>/notifications                                          ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /my/<key>/rate                                                   ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /my/<key>/rate                                                   ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /my/<key>/rate/thanks                                            ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /notifications                                                   login ok    ok    ok    ok    ok    ok    ok    login
POST /notifications/<int:delivery_id>/open                            login ok    ok    ok    ok    ok    ok    ok    login
POST /notifications/read-all                                          login ok    ok    ok    ok    ok    ok    ok    login
GET  /notifications/settings                                          login ok    ok    ok    ok    ok    ok    ok    login
POST /notifications/settings                                          login ok    ok    ok    ok    ok    ok    ok    login
POST /api/hotline/orders                                              login 403   403   403   403   403   403   403   ok
GET  /api/hotline/orders/<order_no>                                   login ok    403   403   403   ok    403   403   403
POST /api/hotline/orders/<order_no>/accept                            login ok    403   403   403   ok    403   403   403
POST /api/hotline/orders/<order_no>/object                            login ok    403   403   403   ok    403   403   403
POST /api/hotline/orders/<order_no>/reply                             login ok    403   403   403   ok    403   403   403
POST /api/hotline/orders/<order_no>/visit                             login 403   403   403   403   403   403   403   ok
POST /api/resident/codes                                              ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /api/resident/tokens                                             ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /api/resident/reports                                            login login login login login login login login login
GET  /api/resident/volunteer                                           login login login login login login login login login
POST /api/resident/reports                                            login login login login login login login login login
GET  /api/resident/reports/<code>                                     login login login login login login login login login
POST /api/resident/reports/<code>/follow                              login login login login login login login login login
POST /api/resident/reports/<code>/information                         login login login login login login login login login
POST /api/resident/reports/<code>/rating                              login login login login login login login login login
POST /api/resident/reports/<code>/withdraw                            login login login login login login login login login
GET  /open311/v2/discovery.json                                       ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /open311/v2/discovery.xml                                        ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /open311/v2/openapi.json                                         ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /open311/v2/requests.json                                        ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /open311/v2/requests.json                                        403   403   403   403   403   403   403   403   403
GET  /open311/v2/requests.xml                                         ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /open311/v2/requests.xml                                         403   403   403   403   403   403   403   403   403
GET  /open311/v2/requests/<code>.json                                 ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /open311/v2/requests/<code>.xml                                  ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /open311/v2/services.json                                        ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /open311/v2/services.xml                                         ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /open311/v2/services/<code>.json                                 ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /open311/v2/services/<code>.xml                                  ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /ops                                                             login 403   403   403   403   ok    403   ok    login
GET  /ops/incidents                                                   login 403   403   403   403   ok    403   ok    login
POST /ops/incidents/<int:incident_id>/retry                           login 403   403   403   403   ok    403   ok    login
GET  /processes                                                       login 403   403   403   403   ok    403   403   login
GET  /processes/<key>/diff                                            login 403   403   403   403   ok    403   403   login
GET  /processes/new                                                   login 403   403   403   403   ok    403   403   login
POST /processes/new                                                   login 403   403   403   403   ok    403   403   login
GET  /processes/versions/<int:version_id>                             login 403   403   403   403   ok    403   403   login
GET  /processes/versions/<int:version_id>/diagram.xml                 login 403   403   403   403   ok    403   403   login
POST /processes/versions/<int:version_id>/discard                     login 403   403   403   403   ok    403   403   login
POST /processes/versions/<int:version_id>/draft                       login 403   403   403   403   ok    403   403   login
GET  /processes/versions/<int:version_id>/import                      login 403   403   403   403   ok    403   403   login
POST /processes/versions/<int:version_id>/import                      login 403   403   403   403   ok    403   403   login
GET  /processes/versions/<int:version_id>/edit                        login 403   403   403   403   ok    403   403   login
GET  /processes/versions/<int:version_id>/migrate                     login 403   403   403   403   ok    403   403   login
POST /processes/versions/<int:version_id>/migrate                     login 403   403   403   403   ok    403   403   login
GET  /processes/versions/<int:version_id>/migrate.csv                 login 403   403   403   403   ok    403   403   login
POST /processes/versions/<int:version_id>/new-draft                   login 403   403   403   403   ok    403   403   login
GET  /processes/versions/<int:version_id>/problems.json               login 403   403   403   403   ok    403   403   login
POST /processes/versions/<int:version_id>/publish                     login 403   403   403   403   ok    403   403   login
POST /processes/versions/<int:version_id>/retire                      login 403   403   403   403   ok    403   403   login
GET  /field                                                            login ok    403   403   403   ok    ok    403   login
GET  /field/households                                                 login ok    403   403   403   ok    ok    403   login
GET  /field/households/<int:household_id>                              login ok    403   403   403   ok    ok    403   login
POST /field/households/<int:household_id>/flags                        login ok    403   403   403   ok    403   403   login
GET  /field/households/export.<any(csv,xlsx):kind>                     login ok    403   403   403   ok    ok    403   login
GET  /field/households/import                                          login ok    403   403   403   ok    403   403   login
POST /field/households/import                                          login ok    403   403   403   ok    403   403   login
POST /field/households/<int:household_id>/members                      login ok    403   403   403   ok    403   403   login
POST /field/households/<int:household_id>/notes                        login ok    403   403   403   ok    403   403   login
POST /field/notes/<int:note_id>/read                                   login ok    403   403   403   ok    ok    403   login
POST /field/notes/<int:note_id>/request                                login ok    403   403   403   ok    ok    403   login
GET  /field/m                                                          login ok    403   403   403   403   403   403   login
POST /field/m/reports                                                  login ok    403   403   403   403   403   403   login
POST /field/m/visits                                                   login ok    403   403   403   403   403   403   login
GET  /field/meetings                                                   login ok    403   403   403   ok    ok    403   login
GET  /field/meetings/<int:meeting_id>                                  login ok    403   403   403   ok    ok    403   login
GET  /field/meetings/new                                               login ok    403   403   403   403   403   403   login
POST /field/meetings/new                                               login ok    403   403   403   403   403   403   login
POST /field/needs/<int:need_id>/case                                   login ok    403   403   403   403   403   403   login
GET  /field/plans                                                      login ok    403   403   403   ok    ok    403   login
POST /field/plans                                                      login 403   403   403   403   ok    403   403   login
POST /field/plans/<int:plan_id>/active                                 login 403   403   403   403   ok    403   403   login
POST /field/plans/generate                                             login 403   403   403   403   ok    403   403   login
POST /field/services/<int:service_id>/decide                           login ok    403   403   403   403   403   403   login
GET  /field/sw.js                                                      login ok    403   403   403   403   403   403   login
GET  /field/visits/<int:visit_id>                                      login ok    403   403   403   ok    ok    403   login
GET  /field/visits/<int:visit_id>/photos/<sha256>/<any(thumb,original):variant> login ok    403   403   403   ok    ok    403   login
GET  /field/visits/new                                                 login ok    403   403   403   403   403   403   login
POST /field/visits/new                                                 login ok    403   403   403   403   403   403   login
GET  /field/volunteers                                                 login ok    403   403   403   ok    ok    403   login
POST /field/volunteers                                                 login ok    403   403   403   403   403   403   login
GET  /field/volunteers/<int:volunteer_id>                              login ok    403   403   403   ok    ok    403   login
POST /field/volunteers/<int:volunteer_id>/active                       login ok    403   403   403   403   403   403   login
POST /field/volunteers/<int:volunteer_id>/services                     login ok    403   403   403   403   403   403   login
POST /field/volunteers/<int:volunteer_id>/spend                        login ok    403   403   403   403   403   403   login
GET  /projects                                                        login ok    ok    403   403   ok    ok    ok    login
GET  /projects/<code>                                                 login ok    ok    403   403   ok    ok    ok    login
GET  /projects/new                                                    login ok    ok    403   403   ok    403   403   login
POST /projects/new                                                    login ok    ok    403   403   ok    403   403   login
GET  /projects/operators                                              login ok    ok    403   403   ok    ok    ok    login
POST /projects/operators                                              login 403   403   403   403   ok    403   ok    login
GET  /rectification                                                   login ok    ok    ok    403   ok    ok    ok    login
GET  /rectification/<int:item_id>                                     login ok    ok    ok    403   ok    ok    ok    login
POST /rectification/<int:item_id>/submit                              login ok    ok    ok    403   ok    403   403   login
POST /rectification/<int:item_id>/verify                              login 403   403   403   403   ok    ok    403   login
GET  /rectification/new                                               login 403   ok    403   403   ok    ok    403   login
POST /rectification/new                                               login 403   ok    403   403   ok    ok    403   login
GET  /report                                                          ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /report                                                          ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /report/<step>                                                   ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /report/<step>                                                   ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /report/photos                                                    ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /report/photos                                                    ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /report/photos/<sha256>                                           ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /report/done                                                     ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /report/review                                                   ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /report/review                                                   ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /routing                                                         login 403   403   403   403   ok    ok    ok    login
POST /routing/drafts                                                  login 403   403   403   403   ok    403   403   login
GET  /routing/versions/<int:version_id>                               login 403   403   403   403   ok    ok    ok    login
GET  /routing/versions/<int:version_id>/edit                          login 403   403   403   403   ok    403   403   login
POST /routing/versions/<int:version_id>/new-draft                     login 403   403   403   403   ok    403   403   login
GET  /routing/versions/<int:version_id>/problems.json                 login 403   403   403   403   ok    403   403   login
POST /routing/versions/<int:version_id>/publish                       login 403   403   403   403   ok    403   403   login
GET  /routing/versions/<int:version_id>/table.dmn                     login 403   403   403   403   ok    403   403   login
GET  /track                                                           ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /track                                                           ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /track/<code>                                                    ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /track/<code>/photos/<sha256>                                     ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /track/<code>/rate                                               ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /vote/<token>                                                    ok    ok    ok    ok    ok    ok    ok    ok    ok
POST /vote/<token>                                                    ok    ok    ok    ok    ok    ok    ok    ok    ok
GET  /vote/result/<int:vote_id>                                       ok    ok    ok    ok    ok    ok    ok    ok    ok
"""

pytestmark = [pytest.mark.parametrize("db", ["sqlite"], indirect=True),
              pytest.mark.usefixtures("cheap_password_hashes")]


def _expected() -> dict[tuple[str, str], dict[str, str]]:
    lines = [line for line in MATRIX.strip("\n").splitlines()[1:] if line.strip()]
    table = {}
    for line in lines:
        method, rule, *cells = line.split()
        assert len(cells) == len(PRINCIPALS), f"row {method} {rule}: {len(cells)} cells"
        table[(method, rule)] = dict(zip(PRINCIPALS, cells))
    return table


EXPECTED = _expected()


def _routes(app: Flask) -> list[tuple[str, str]]:
    """(method, rule) of every route but static files."""
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
                  for method in rule.methods - {"HEAD", "OPTIONS"})


_ARGUMENT = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?\w+>")


def _sample_url(rule: str) -> str:
    def sample(match: re.Match[str]) -> str:
        converter, options = match.group(1), match.group(2)
        if converter == "int":
            return "999999"
        if converter == "any":
            return options.split(",")[0].strip().strip("'\"")
        return "XX"
    return _ARGUMENT.sub(sample, rule)


def _cell(response: TestResponse) -> str:
    location = response.headers.get("Location", "")
    if response.status_code == 401 or (response.status_code == 302 and location.startswith("/login")):
        return "login"
    if response.status_code == 403:
        return "403"
    if response.status_code >= 500:
        return f"{response.status_code}!"
    return "ok"


def test_the_matrix_has_a_row_for_every_route_and_no_row_for_a_route_that_is_gone(app: Flask) -> None:
    routes = set(_routes(app))
    missing = sorted(routes - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - routes)
    assert not missing, "add these rows to MATRIX:\n" + "\n".join(f"{m:<5}{r}" for m, r in missing)
    assert not stale, "these MATRIX rows name no route any more:\n" + "\n".join(f"{m:<5}{r}" for m, r in stale)


@pytest.mark.parametrize("principal", list(PRINCIPALS))
def test_every_route_answers_each_role_as_the_matrix_says(csrf_app: Flask, login_as: LoginAs,
                                                         principal: str) -> None:
    username = PRINCIPALS[principal]
    if username == PLATFORM:
        csrf_app.extensions["casegrid.people"].create_integration(PLATFORM, "市 12345 热线平台", HOTLINE_PLATFORM,
                                                                  by="admin")
        token = csrf_app.extensions["casegrid.tokens"].issue(PLATFORM, "12345", by="admin").secret
        client: FlaskClient = csrf_app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    else:
        client = login_as(username) if username else csrf_app.test_client()
    # Logging out last: it would end the session the other requests need.
    routes = sorted(_routes(csrf_app), key=lambda route: route == ("POST", "/logout"))
    wrong = []
    for method, rule in routes:
        if (method, rule) not in EXPECTED:
            continue  # the completeness test names it
        expected = EXPECTED[(method, rule)][principal]
        response = client.open(_sample_url(rule), method=method)
        if _cell(response) != expected:
            wrong.append(f"{method} {rule}: expected {expected}, got {response.status_code}")
    assert wrong == []

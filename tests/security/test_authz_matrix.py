"""Every route x every role: allowed or refused, from an explicit table; a rule not in the table fails.

Principals are API tokens made by manage.create_token (one user and token per
role) in a database of this module's own, so the writes the allowed roles
reach cannot disturb other tests; write requests carry bodies or headers that
stop them after the access check (no If-Match, not a Feature), so nothing is
changed either way.

Policies:
- PUBLIC: everyone, the anonymous public included.
- LOGIN: any user's token (every role); anonymous gets 401.
- ADMIN / STAFF: those roles (admin always); anonymous 401, others 403.
- SESSION: pages for logged-in browsers only; a token is sent to /login (302),
  whatever its roles (scripts use the JSON API under /auth).
- CREDENTIALS: the login form; what decides is the password, tested in test_login.py.
- SIGNED: a payment gateway's callback; what decides is its HMAC signature (401 without one).
- READ / WRITE: decided by the layer's declaration (`access: read / write`),
  checked here against the declaration itself; a layer one may not read does
  not exist for one (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from geodata.cluster import drop_database, ensure_database
from layers.model import LayerSpec
from tests.helpers.accounts import PASSWORD, build_app, login
from tests.helpers.routes import Sample, samples, urls
from webgis.accounts import manage

ROLES = ["anonymous", "citizen", "staff", "planner", "operator", "admin"]
PUBLIC, LOGIN, ADMIN, STAFF, SESSION, READ, WRITE = ["PUBLIC", "LOGIN", "ADMIN", "STAFF", "SESSION", "READ", "WRITE"]
CREDENTIALS = "CREDENTIALS"  # the login form: anyone may post; this junk body is bad credentials
OPERATOR = "OPERATOR"  # the operators' device API: operator (admin always); anonymous 401, others 403
# A gateway's callback: no session, no token; what decides is the HMAC signature over the body
# (tested in tests/services/engine/payments and tests/webgis/payments); this unsigned body gets 401.
SIGNED = "SIGNED"
# Feature history pages: staff or whoever may write the layer (HISTORY); restoring is a write (RESTORE).
HISTORY, RESTORE = "HISTORY", "RESTORE"
# A hospital's bed report (services/sirs/tokens.py): only that hospital's own token; an account's token is none.
HOSPITAL = "HOSPITAL"
# Counts from medical records and education history: the roles services/kelurahan_counts/indicators.yaml names.
COUNTS = "COUNTS"
# The indicators dashboard's JSON: planners and admins (and staff of BAPPEDA/SETDA, whom the matrix's
# agency-less staff token is not: tests/webgis/dasbor checks them); anonymous 401, others 403.
DASHBOARD = "DASHBOARD"

TABLE: dict[tuple[str, str], str] = {
    ("health.healthz", "GET"): PUBLIC,
    ("metrics.metrics", "GET"): ADMIN,  # Prometheus scrapes with an admin's (or the configured) token
    ("static", "GET"): PUBLIC,
    ("ogcapi.landing", "GET"): PUBLIC,
    ("ogcapi.conformance", "GET"): PUBLIC,
    ("ogcapi.api", "GET"): PUBLIC,
    ("ogcapi.collections", "GET"): PUBLIC,
    ("ogcapi.collection", "GET"): READ,
    ("ogcapi.queryables", "GET"): READ,
    ("ogcapi.schema", "GET"): READ,
    ("ogcapi.feature_schema", "GET"): READ,
    ("ogcapi.items", "GET"): READ,
    ("ogcapi.item", "GET"): READ,
    ("ogcapi.create_item", "POST"): WRITE,
    ("ogcapi.replace_item", "PUT"): WRITE,
    ("ogcapi.update_item", "PATCH"): WRITE,
    ("ogcapi.delete_item", "DELETE"): WRITE,
    # Tiles follow the layer's read rule (layers/access.py); the multi-layer ones hold what the caller may read.
    ("tiles.tile_matrix_sets", "GET"): PUBLIC,
    ("tiles.tile_matrix_set", "GET"): PUBLIC,
    ("tiles.multi_tileset", "GET"): PUBLIC,
    ("tiles.dataset_tilesets", "GET"): PUBLIC,
    ("tiles.multi_tile", "GET"): PUBLIC,
    ("tiles.collection_tilesets", "GET"): READ,
    ("tiles.collection_tileset", "GET"): READ,
    ("tiles.collection_tile", "GET"): READ,
    ("pages.homepage", "GET"): PUBLIC,
    ("pages.map_script", "GET"): PUBLIC,
    ("pages.layers_json", "GET"): PUBLIC,
    # The homepage editor (webgis/pages/views.py): its script is static; its forms list only the
    # layers the caller may write (none for the public), so anyone may ask.
    ("pages.edit_script", "GET"): PUBLIC,
    ("pages.edit_json", "GET"): PUBLIC,
    ("pages.search_json", "GET"): PUBLIC,
    ("pages.here_json", "GET"): PUBLIC,
    ("pages.catalogue", "GET"): PUBLIC,
    ("pages.download", "GET"): READ,
    # Print and share (webgis/cetak, issue 20 item 9): anyone may print; the print holds only the layers
    # the caller may read (an unreadable one is refused like a missing one: tests/webgis/cetak).
    ("cetak.print_map", "GET"): PUBLIC,
    ("cetak.embed", "GET"): PUBLIC,
    ("accounts.static", "GET"): PUBLIC,
    ("accounts.login", "GET"): PUBLIC,
    ("accounts.login", "POST"): CREDENTIALS,
    ("accounts.logout", "POST"): PUBLIC,
    ("accounts.account", "GET"): SESSION,
    ("accounts.change_password", "POST"): SESSION,
    ("accounts.token_list", "GET"): SESSION,
    ("accounts.token_create", "POST"): SESSION,
    ("accounts.token_revoke", "POST"): SESSION,
    ("accounts_admin.users", "GET"): SESSION,
    ("accounts_admin.user_create", "POST"): SESSION,
    ("accounts_admin.user_detail", "GET"): SESSION,
    ("accounts_admin.user_update", "POST"): SESSION,
    ("accounts_admin.audit_log", "GET"): SESSION,
    ("feature_history.layer_changes", "GET"): HISTORY,
    ("feature_history.feature", "GET"): HISTORY,
    ("feature_history.restore_confirm", "GET"): RESTORE,
    ("feature_history.restore", "POST"): RESTORE,
    ("accounts_api.me", "GET"): PUBLIC,
    ("accounts_api.token_list", "GET"): LOGIN,
    ("accounts_api.token_create", "POST"): LOGIN,
    ("accounts_api.token_revoke", "DELETE"): LOGIN,
    ("accounts_api.user_list", "GET"): ADMIN,
    ("accounts_api.user_create", "POST"): ADMIN,
    ("accounts_api.user_roles", "POST"): ADMIN,
    ("accounts_api.audit_log", "GET"): ADMIN,
    # Open311 GeoReport v2: public (api_key optional); the staff workflow: agency staff.
    ("open311.v2.discovery", "GET"): PUBLIC,
    ("open311.v2.services", "GET"): PUBLIC,
    ("open311.v2.service_definition", "GET"): PUBLIC,
    ("open311.v2.list_requests", "GET"): PUBLIC,
    ("open311.v2.get_request", "GET"): PUBLIC,
    ("open311.v2.history", "GET"): PUBLIC,
    ("open311.v2.duplicates", "GET"): PUBLIC,
    ("open311.v2.get_token", "GET"): PUBLIC,
    ("open311.v2.create_request", "POST"): PUBLIC,
    ("open311.v2.support", "POST"): PUBLIC,
    ("open311.staff.queue", "GET"): STAFF,
    ("open311.staff.detail", "GET"): STAFF,
    ("open311.staff.media_file", "GET"): STAFF,
    ("open311.staff.assign", "POST"): STAFF,
    ("open311.staff.comment", "POST"): STAFF,
    ("open311.staff.change_status", "POST"): STAFF,
    # The same desk as pages (webgis/open311/desk.py): logged-in browsers; the role is checked after login.
    ("open311.desk.queue", "GET"): SESSION,
    ("open311.desk.report", "GET"): SESSION,
    ("open311.desk.set_status", "POST"): SESSION,
    ("open311.desk.add_comment", "POST"): SESSION,
    ("open311.desk.set_assignee", "POST"): SESSION,
    # Citizen service pages (webgis/citizen): complaint form, tracking, complaints map, PPDB zoning.
    ("citizen.report", "GET"): PUBLIC,
    ("citizen.report", "POST"): PUBLIC,
    ("citizen.track", "GET"): PUBLIC,
    ("citizen.photo", "GET"): PUBLIC,  # whoever may see the report (404 when it has no public record or photo)
    ("citizen.support", "POST"): PUBLIC,
    ("citizen.complaints_map", "GET"): PUBLIC,
    ("citizen.kelurahan_counts", "GET"): PUBLIC,
    ("citizen.heat_points", "GET"): PUBLIC,
    ("citizen.fresh_token", "GET"): PUBLIC,  # a CSRF token for replaying a report kept offline (no-store)
    ("pwa.manifest", "GET"): PUBLIC,
    ("pwa.service_worker", "GET"): PUBLIC,
    ("pwa.offline", "GET"): PUBLIC,
    ("citizen.ppdb_page", "GET"): PUBLIC,
    ("citizen.ppdb_schools", "GET"): PUBLIC,
    # The operators' device view (webgis/operator): pages for logged-in operators, JSON for operators.
    ("operator.index", "GET"): SESSION,
    ("operator.device_page", "GET"): SESSION,
    ("operator.wall", "GET"): SESSION,
    ("operator.api_status", "GET"): OPERATOR,
    ("operator.api_device", "GET"): OPERATOR,
    ("operator.api_telemetry", "GET"): OPERATOR,
    ("operator.api_diagnostics", "GET"): OPERATOR,
    ("operator.api_snapshot", "GET"): OPERATOR,  # a camera's still image, fetched by the server (issue 21)
    ("operator.api_traffic", "GET"): OPERATOR,
    ("operator.api_command", "POST"): OPERATOR,
    ("operator.api_ack", "POST"): OPERATOR,
    ("operator.api_shelve", "POST"): OPERATOR,
    ("operator.api_unshelve", "POST"): OPERATOR,
    ("operator.api_adaptive", "GET"): OPERATOR,  # adaptive signals of an intersection (issue 21)
    ("operator.api_adaptive_switch", "POST"): OPERATOR,
    # Hazard raster overlays (webgis/rasters): public analysis results, like their vector layers.
    ("rasters.rasters_json", "GET"): PUBLIC,
    ("rasters.raster_json", "GET"): PUBLIC,
    ("rasters.raster_tile", "GET"): PUBLIC,
    # Payments and documents (issue 18): the payer's bill page by its unguessable number (no personal data),
    # the sandbox gateway's pay page, the gateway's signed callback; document verification is public, the
    # PDF is for logged-in principals and then only its holder and staff (tests/webgis/payments).
    ("payments.bill_page", "GET"): PUBLIC,
    ("payments.sandbox_page", "GET"): PUBLIC,
    ("payments.sandbox_pay", "POST"): PUBLIC,
    ("payments_callback.callback", "POST"): SIGNED,
    ("verify.verify_form", "GET"): PUBLIC,
    ("verify.verify_page", "GET"): PUBLIC,
    ("verify.document_pdf", "GET"): LOGIN,
    # Declared services (webgis/layanan, issue 18): citizen pages public, applying and tracking for a
    # logged-in browser; the JSON API for accounts (a case one does not reach is 404), staff steps for staff.
    ("layanan.index", "GET"): PUBLIC,
    ("layanan.form", "GET"): PUBLIC,
    ("layanan.submit", "POST"): SESSION,
    ("layanan.track", "GET"): SESSION,
    ("layanan.applicant_step", "POST"): SESSION,
    ("layanan_api.services", "GET"): PUBLIC,
    ("layanan_api.declaration", "GET"): PUBLIC,
    ("layanan_api.site_check", "POST"): PUBLIC,  # writes nothing: the findings of a drawn plot
    ("layanan_api.apply", "POST"): LOGIN,
    ("layanan_api.case_list", "GET"): LOGIN,
    ("layanan_api.case", "GET"): LOGIN,
    ("layanan_api.transition", "POST"): LOGIN,  # the declaration names the roles per step (an applicant withdraws)
    ("layanan_api.assign", "POST"): STAFF,
    ("layanan_api.comment", "POST"): STAFF,
    ("layanan_api.visit", "POST"): STAFF,
    ("layanan_desk.services", "GET"): SESSION,
    ("layanan_desk.queue_page", "GET"): SESSION,
    ("layanan_desk.case_page", "GET"): SESSION,
    ("layanan_desk.transition", "POST"): SESSION,
    ("layanan_desk.assign", "POST"): SESSION,
    ("layanan_desk.comment", "POST"): SESSION,
    ("layanan_desk.visit", "POST"): SESSION,
    ("layanan_desk.attachment", "GET"): SESSION,
    ("layanan_desk.visit_photo", "GET"): SESSION,
    # PBB (services/pbb): a parcel's bills by NOP (the taxpayer masked; anyone may pay, as at a bank
    # counter) and collection per kelurahan (public money) are public (tests/webgis/pbb).
    ("pbb.lookup", "GET"): PUBLIC,
    ("pbb.parcel", "GET"): PUBLIC,
    ("pbb.pay", "POST"): PUBLIC,
    ("pbb.sppt_api", "GET"): PUBLIC,
    ("pbb.collection_page", "GET"): PUBLIC,
    ("pbb.collection_api", "GET"): PUBLIC,
    # Waste fees (services/waste): a payer's months by customer number (the name masked; anyone may pay).
    ("waste.lookup", "GET"): PUBLIC,
    ("waste.customer", "GET"): PUBLIC,
    ("waste.pay", "POST"): PUBLIC,
    ("waste.customer_api", "GET"): PUBLIC,
    # Civil registration (services/civil): only counts per kelurahan and month are public, small ones
    # suppressed (tests/webgis/disdukcapil); the applications go through the layanan routes.
    ("disdukcapil.figures_page", "GET"): PUBLIC,
    ("disdukcapil.figures_api", "GET"): PUBLIC,
    # PPDB online (services/ppdb, tests/webgis/ppdb): registering and re-registering for a logged-in browser,
    # a result for whoever reaches the registration (else 404), seats and fill public (counts only),
    # the rounds page and its steps for staff (the education office's, checked by services/ppdb/rounds.py).
    ("ppdb_online.register_form", "GET"): PUBLIC,
    ("ppdb_online.register", "POST"): SESSION,
    ("ppdb_online.reregister", "POST"): SESSION,
    ("ppdb_online.result_api", "GET"): LOGIN,
    ("ppdb_online.quota_page", "GET"): PUBLIC,
    ("ppdb_online.quota_api", "GET"): PUBLIC,
    ("ppdb_online.rounds_page", "GET"): SESSION,
    ("ppdb_online.create_round", "POST"): SESSION,
    ("ppdb_online.allocate", "POST"): SESSION,
    ("ppdb_online.release", "POST"): SESSION,
    # Agencies (services/skpd, issue 19): public profiles and their JSON (counts only, no monitoring
    # address); the WAN's status page and JSON for operators, like the device view (tests/webgis/skpd).
    ("skpd.index", "GET"): PUBLIC,
    ("skpd.profile", "GET"): PUBLIC,
    ("skpd.list_api", "GET"): PUBLIC,
    ("skpd.profile_api", "GET"): PUBLIC,
    ("skpd_network.network_page", "GET"): SESSION,
    ("skpd_network.network_api", "GET"): OPERATOR,
    ("skpd_network.site_api", "GET"): OPERATOR,
    # SIMPEG (services/simpeg, tests/webgis/simpeg): agency attendance per day is public (small groups
    # suppressed); one's own page needs a login (404 for an account tied to no staff record); a person's
    # figures are the person's, their head's and admins' (layers/access.can_see_staff_member): any other
    # login gets 404 as if there were no such person (the matrix's users are tied to none; the refusals of
    # a colleague and another agency's head are tested there); an agency's per-person page is its head's
    # and admins' (no matrix user heads one: 403); importing staff records is for admins.
    ("simpeg.public_page", "GET"): PUBLIC,
    ("simpeg.public_api", "GET"): PUBLIC,
    ("simpeg.own_page", "GET"): LOGIN,
    ("simpeg.person_page", "GET"): LOGIN,
    ("simpeg.person_api", "GET"): LOGIN,
    ("simpeg.agency_page", "GET"): ADMIN,
    ("simpeg.agency_api", "GET"): ADMIN,
    ("simpeg.import_staff_api", "POST"): ADMIN,
    # Hospital beds (services/sirs, tests/webgis/sirs): where a bed is free is public; a hospital reports with
    # its own token (no account's token reaches it: 401 for every role); staff report on a page; admins
    # issue and revoke hospital tokens.
    ("wifi.parks_page", "GET"): PUBLIC,
    ("wifi.parks_api", "GET"): PUBLIC,
    ("wifi.park_api", "GET"): PUBLIC,  # one park's Wi-Fi now, for its /peta popup
    ("sirs.finder_page", "GET"): PUBLIC,
    ("sirs.finder_api", "GET"): PUBLIC,
    ("sirs.hospital_page", "GET"): PUBLIC,
    ("sirs.history_api", "GET"): PUBLIC,
    ("sirs.report_api", "PUT"): HOSPITAL,
    ("sirs.report_form", "GET"): SESSION,
    ("sirs.report_form", "POST"): SESSION,
    ("sirs.token_issue", "POST"): ADMIN,
    ("sirs.token_list", "GET"): ADMIN,
    ("sirs.token_revoke", "DELETE"): ADMIN,
    # School funds (services/schoolfunds, tests/webgis/schoolfunds): public money is public; a school's
    # treasurer (or DISDIK) enters and imports on pages (the school rule is checked after login).
    ("schoolfunds.map_page", "GET"): PUBLIC,
    ("schoolfunds.map_api", "GET"): PUBLIC,
    ("schoolfunds.school_page", "GET"): PUBLIC,
    ("schoolfunds.school_api", "GET"): PUBLIC,
    ("schoolfunds.entry_form", "GET"): SESSION,
    ("schoolfunds.entry_form", "POST"): SESSION,
    ("schoolfunds.import_page", "GET"): SESSION,
    ("schoolfunds.import_page", "POST"): SESSION,
    # Counts per kelurahan from health and education records (services/kelurahan_counts): never public;
    # the roles each indicator declares (staff and planners here), small counts suppressed.
    ("statistik.counts_page", "GET"): SESSION,
    ("statistik.counts_api", "GET"): COUNTS,
    # SIMBADA (services/assets, tests/webgis/aset): the register, the map and an asset's card with its
    # transfers are public money; the inventory visit is for a staff browser, the asset's own agency's
    # (services/assets/inventory.py asks layers/access.py; tests/security/test_asset_rows.py).
    ("aset.register_page", "GET"): PUBLIC,
    ("aset.register_api", "GET"): PUBLIC,
    ("aset.asset_page", "GET"): PUBLIC,
    ("aset.asset_api", "GET"): PUBLIC,
    ("aset.inventory_page", "GET"): SESSION,
    ("aset.record_visit", "POST"): SESSION,
    ("aset.transfer_asset", "POST"): SESSION,  # BPKAD's staff and admins (services/assets/transfer.may_transfer)
    # City projects (services/projects, issue 19): the transparency map, register and project pages are public
    # (public money, no personal data); the staff page and its writes are for logged-in browsers, the staff role
    # and the project's own agency checked after login (tests/webgis/proyek).
    ("proyek.register_page", "GET"): PUBLIC,
    ("proyek.register_api", "GET"): PUBLIC,
    ("proyek.project_page", "GET"): PUBLIC,
    ("proyek.report_photo", "GET"): PUBLIC,
    ("proyek.staff_home", "GET"): SESSION,
    ("proyek.staff_progress", "POST"): SESSION,
    ("proyek.staff_stage", "POST"): SESSION,
    ("proyek.staff_import", "POST"): SESSION,
    # Regional performance indicators (services/indicators, tests/webgis/dasbor): the page for logged-in
    # browsers of its audience, the JSON for the audience's tokens.
    ("dasbor.dashboard_page", "GET"): SESSION,
    ("dasbor.overview_api", "GET"): DASHBOARD,
    ("dasbor.series_api", "GET"): DASHBOARD,
    ("dasbor.map_api", "GET"): DASHBOARD,
    ("dasbor.agencies_api", "GET"): DASHBOARD,
    ("dasbor.provenance_api", "GET"): DASHBOARD,
    # The agenda (services/agenda, tests/webgis/agenda): public; which events each sees is the
    # agenda layer's row rule (internal events only for the organising agency's staff and admins).
    ("agenda.agenda_page", "GET"): PUBLIC,
    ("agenda.agenda_api", "GET"): PUBLIC,
    ("agenda.agenda_feed", "GET"): PUBLIC,
    # Tourism information (services/tourism, tests/webgis/wisata): public pages and JSON of public layers.
    ("wisata.wisata_page", "GET"): PUBLIC,
    ("wisata.site_page", "GET"): PUBLIC,
    ("wisata.walk_page", "GET"): PUBLIC,
    ("wisata.wisata_api", "GET"): PUBLIC,
    ("wisata.site_api", "GET"): PUBLIC,
    # Angkot trip planner (services/angkot, tests/webgis/angkot): public pages and JSON of public layers.
    ("angkot.planner_page", "GET"): PUBLIC,
    ("angkot.plan_api", "GET"): PUBLIC,
    ("angkot.routes_page", "GET"): PUBLIC,
    ("angkot.route_page", "GET"): PUBLIC,
    ("angkot.route_api", "GET"): PUBLIC,
    ("angkot.gtfs_download", "GET"): PUBLIC,
    # The digital library (services/library, tests/webgis/perpustakaan): the map, catalogue and a title's copies
    # are public; membership, reserving, one's reservations and a branch's pickup desk are pages for logged-in
    # browsers (the desk's staff rule, layers.access via services/library/rules.py, is tested there).
    ("perpustakaan.library_page", "GET"): PUBLIC,
    ("perpustakaan.catalogue_page", "GET"): PUBLIC,
    ("perpustakaan.title_page", "GET"): PUBLIC,
    ("perpustakaan.map_api", "GET"): PUBLIC,
    ("perpustakaan.catalogue_api", "GET"): PUBLIC,
    ("perpustakaan.reserve", "POST"): SESSION,
    ("perpustakaan.membership", "GET"): SESSION,
    ("perpustakaan.join", "POST"): SESSION,
    ("perpustakaan.mine", "GET"): SESSION,
    ("perpustakaan.cancel", "POST"): SESSION,
    ("perpustakaan.desk", "GET"): SESSION,
    ("perpustakaan.receive", "POST"): SESSION,
    ("perpustakaan.hand_over", "POST"): SESSION,
    # Driving routes around congestion (services/routing, tests/webgis/berkendara): public page and JSON
    # over public layers (osm_roads, traffic_congestion); without dari/ke the JSON answers 400.
    ("berkendara.drive_page", "GET"): PUBLIC,
    ("berkendara.drive_api", "GET"): PUBLIC,
    # UMKM marketplace (services/umkm, tests/webgis/umkm): searching, a verified business's page, its photos and
    # writing to its seller are public (the seller's personal data never leave the server); the owner's page and
    # its writes are for a logged-in browser (ownership and verification checked after login); the counts per
    # kelurahan are for a browser of DINKOPUKM staff or an admin (checked after login: 403 for others).
    ("umkm.market_page", "GET"): PUBLIC,
    ("umkm.products_api", "GET"): PUBLIC,
    ("umkm.business_page", "GET"): PUBLIC,
    ("umkm.contact", "POST"): PUBLIC,
    ("umkm.photo", "GET"): PUBLIC,
    ("umkm.mine", "GET"): SESSION,
    ("umkm.publish", "POST"): SESSION,
    ("umkm.withdraw", "POST"): SESSION,
    ("umkm.per_kelurahan", "GET"): SESSION,
    # SIMAR records (services/archives, tests/webgis/arsip): searching, a record's file and a feature's
    # records are public, each answer holding only the records the arsip layer's classification rule
    # lets the caller reach (404 for a file of a record one may not see); filing and the disposal list
    # are for staff (of the creating agency, checked by the row rule) and admins.
    ("arsip.archive_page", "GET"): PUBLIC,
    ("arsip.search_api", "GET"): PUBLIC,
    ("arsip.file_api", "POST"): STAFF,
    ("arsip.file_download", "GET"): PUBLIC,
    ("arsip.attached_api", "GET"): PUBLIC,
    ("arsip.disposal_api", "GET"): STAFF,
}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def rules_and_methods(app: Flask) -> list[tuple[object, str]]:
    return sorted(((rule, m) for rule in app.url_map.iter_rules() for m in rule.methods & set(METHODS)),
                  key=lambda rm: (rm[0].rule, rm[1]))


def test_every_rule_and_method_is_in_the_table(matrix_app: Flask) -> None:
    missing = [f"{rule.endpoint} {m} {rule.rule}" for rule, m in rules_and_methods(matrix_app)
               if (rule.endpoint, m) not in TABLE]
    assert missing == [], "give each new route its row in TABLE (who may call it)"


# ---------------------------------------------------------------- the expected answer

def _may_read(spec: LayerSpec, role: str) -> bool:
    """The declaration read directly (not through layers.access, which is what is under test)."""
    if role == "admin" or spec.access.read == "public":
        return True
    return role in spec.access.read or role in spec.access.write


def _may_write(spec: LayerSpec, role: str) -> bool:
    if spec.derived_from is not None:  # the database keeps a derived layer; nobody writes it
        return False
    return role == "admin" or role in spec.access.write


def expected(policy: str, role: str, spec: LayerSpec | None, method: str = "GET") -> set[int] | str:
    """The refusal statuses expected, or 'allowed'."""
    refused = {401} if role == "anonymous" else {403}
    if policy == PUBLIC:
        return "allowed"
    if policy == CREDENTIALS:
        return {400, 401}  # 400: no CSRF token (anonymous form post); 401: no such user and password
    if policy in (SIGNED, HOSPITAL):
        return {401}  # 400: no CSRF token (anonymous form post); 401: no such user and password
    if policy == LOGIN:
        return "allowed" if role != "anonymous" else {401}
    if policy == ADMIN:
        return "allowed" if role == "admin" else refused
    if policy == STAFF:
        return "allowed" if role in ("staff", "admin") else refused
    if policy == COUNTS:
        return "allowed" if role in ("staff", "planner", "admin") else refused
    if policy == DASHBOARD:
        return "allowed" if role in ("planner", "admin") else refused
    if policy == OPERATOR:
        return "allowed" if role in ("operator", "admin") else refused
    if policy == SESSION:
        # A token is sent to /login; a write without a session is refused and audited (an anonymous
        # form post without a CSRF token stops at the CSRF check).
        if method != "GET":
            return {400, 401} if role == "anonymous" else {403}
        return {302}
    assert spec is not None
    if not _may_read(spec, role):
        return {404}
    if policy == READ:
        return "allowed"
    if policy == HISTORY:
        return "allowed" if role in ("staff", "admin") or _may_write(spec, role) else refused
    if policy == WRITE and spec.derived_from is not None:
        return {403}  # read-only for everyone, whoever asks
    if policy == WRITE and method == "DELETE" and role != "admin" and any(role in r.roles for r in spec.access.rows):
        # The matrix's principals hold no agency: a row rule admits none of the rows, which they then
        # cannot see (404) or, on a layer anyone reads, may not change (403). The other writes' junk
        # bodies are refused before the row is looked at.
        return {403, 404}
    if policy == WRITE and not spec.access.write:
        return {403}  # no write role declared: only its service writes it (webgis/auth.py), admins included
    return "allowed" if _may_write(spec, role) else refused


def _sees_more_than_owns(spec: LayerSpec | None, role: str) -> bool:
    """A row rule with a fixed value (an agenda's public events) lets this agency-less role read rows it may not change."""
    return (spec is not None and role != "admin" and any(rule.holds == "value" for rule in spec.access.rows)
            and any(role in rule.roles for rule in spec.access.rows))


# ---------------------------------------------------------------- the principals

@pytest.fixture(scope="module")
def matrix_database(server_url: str, template_database_url: str) -> Iterator[str]:
    name = f"medan_test_{uuid.uuid4().hex[:10]}"
    ensure_database(server_url, name, template=make_url(template_database_url).database)
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    yield url
    from layers.db import engine_for

    engine_for(url).dispose()
    drop_database(server_url, name)


@pytest.fixture(scope="module")
def matrix_app(matrix_database: str) -> Flask:
    return build_app(matrix_database, LOGIN_RATE_LIMIT="10000 per minute", LOGIN_LOCKOUT_ATTEMPTS=1000)


@pytest.fixture(scope="module")
def tokens(matrix_app: Flask) -> dict[str, str | None]:
    engine = matrix_app.extensions["engine"]
    result: dict[str, str | None] = {"anonymous": None}
    for role in ROLES[1:]:
        user = manage.create_user(engine, "test", None, f"m{role}{uuid.uuid4().hex[:6]}", PASSWORD, roles=[role])
        result[role] = manage.create_token(engine, "test", None, user, "matrix", roles=[role]).secret
    return result


def representative_layers(layer_samples: list[Sample]) -> list[Sample]:
    """One layer (with features, when there is one) per distinct access declaration."""
    chosen: dict[str, Sample] = {}
    for sample in layer_samples:
        key = repr((sample.spec.access.read, sorted(sample.spec.access.write), bool(sample.spec.access.private)))
        if key not in chosen or (chosen[key].fid is None and sample.fid is not None):
            chosen[key] = sample
    return list(chosen.values())


# Bodies that every handler refuses after its access check: nothing may change.
HARMLESS_JSON = {"type": "NotAFeature"}


def _call(app: Flask, method: str, url: str, token: str | None):  # noqa: ANN202
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "GET":
        return app.test_client().get(url, headers=headers)
    return app.test_client().open(url, method=method, headers=headers, json=HARMLESS_JSON)


def _layer_of(url: str, layer_samples: list[Sample]) -> LayerSpec | None:
    parts = url.replace(".", "/").split("/")
    for sample in layer_samples:
        if sample.spec.id in parts:
            return sample.spec
    return None


def test_every_route_answers_every_role_as_the_table_says(matrix_app: Flask, tokens: dict[str, str | None]) -> None:
    layer_samples = representative_layers(samples(matrix_app.extensions["engine"]))
    failures = []
    checked = 0
    for rule, method in rules_and_methods(matrix_app):
        policy = TABLE[(rule.endpoint, method)]
        for url in urls(matrix_app, rule, layer_samples):
            if rule.endpoint == "pages.download" and not url.endswith(".geojson"):
                continue  # one format is enough for the rule; the formats share the check
            spec = _layer_of(url, layer_samples) if policy in (READ, WRITE, HISTORY, RESTORE) else None
            for role in ROLES:
                want = expected(policy, role, spec, method)
                if want == "allowed" and policy in (WRITE, RESTORE) and "/items/" in url and _sees_more_than_owns(spec, role):
                    want = {403, 404}  # the sample row is another agency's: readable by a fixed-value rule, never writable
                response = _call(matrix_app, method, url, tokens[role])
                status = response.status_code
                checked += 1
                if status >= 500:
                    failures.append(f"{method} {url} as {role}: {status}")
                elif want == "allowed":
                    if status in (401, 403) or (policy == READ and status == 404 and "/items/" not in url):
                        failures.append(f"{method} {url} as {role}: {status}, expected allowed")
                elif status not in want:
                    failures.append(f"{method} {url} as {role}: {status}, expected {sorted(want)}")
                elif status == 302:
                    assert "/login" in response.headers["Location"]
                # Refusals name the scheme that would be accepted (the login form's own 401 is its page).
                if status == 401 and policy not in (CREDENTIALS, SIGNED) and not response.headers.get("WWW-Authenticate", "").startswith("Bearer"):
                    failures.append(f"{method} {url} as {role}: 401 without WWW-Authenticate: Bearer")
    assert failures == [], "\n".join(failures)
    assert checked > 500


def test_session_pages_follow_the_roles_of_the_logged_in_user(matrix_app: Flask) -> None:
    """The SESSION rows as browsers see them: the admin pages for admins, the staff desk for staff (and
    admins), account pages for everyone."""
    engine = matrix_app.extensions["engine"]
    desk_status = {"staff": 200, "admin": 200}
    for role, admin_status in (("citizen", 403), ("planner", 403), ("staff", 403), ("operator", 403), ("admin", 200)):
        user = manage.create_user(engine, "test", None, f"s{role}{uuid.uuid4().hex[:6]}", PASSWORD, roles=[role])
        client = matrix_app.test_client()
        assert login(client, user.username).status_code == 302
        assert client.get("/account").status_code == 200
        assert client.get("/account/tokens").status_code == 200
        for page in ("/admin/users", "/admin/audit", f"/admin/users/{user.username}"):
            assert client.get(page).status_code == admin_status, (role, page)
        assert client.get("/open311/staff/").status_code == desk_status.get(role, 403), role
        # A report: its agency's staff (this one has none) or an admin.
        report = client.get("/open311/staff/reports/MDN-SEED0001").status_code
        assert report == (200 if role == "admin" else 403), role
    anonymous = matrix_app.test_client()
    for page in ("/account", "/admin/users", "/admin/audit", "/open311/staff/"):
        response = anonymous.get(page)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---------------------------------------------------------------- rows of another agency (issue 16)

def _row_principals(engine, agencies: dict[str, tuple[str, ...]], roles: dict[str, str]) -> dict[str, str]:  # noqa: ANN001
    secrets = {}
    for name, agency_list in agencies.items():
        user = manage.create_user(engine, "test", None, f"r{name}{uuid.uuid4().hex[:6]}", PASSWORD,
                                  roles=[roles[name]], agencies=agency_list)
        secrets[name] = manage.create_token(engine, "test", None, user, "rows", roles=[roles[name]]).secret
    return secrets


def test_rows_of_another_agency_do_not_exist_on_any_path(matrix_app: Flask) -> None:
    """A report of DLH, with a marker in its private and staff-only fields, walked through every GET
    route (items, item pages, tiles, history, search, "what is here", downloads, catalogue, Open311)
    as staff of another agency, staff of none and a citizen: the marker never appears, and the
    writes of its row answer 404 as for a missing feature. Staff of DLH see it (the control)."""
    from services.complaints import intake

    engine = matrix_app.extensions["engine"]
    marker = f"rahasia{uuid.uuid4().hex[:8]}"
    receipt = intake.submit(engine, intake.Submission(
        service_code="SAMPAH", lat=3.5952, long=98.6722, description=marker, attributes={"HARI_TIDAK_DIANGKUT": 1},
        email=f"{marker}@example.org", address_string=marker))
    with engine.connect() as conn:
        from sqlalchemy import text

        fid, lon, lat = conn.execute(text("SELECT fid, ST_X(geom), ST_Y(geom) FROM layers.complaints "
                                          "WHERE service_request_id = :s"), {"s": receipt.service_request_id}).one()
    spec = next(s for s in samples(engine) if s.spec.id == "complaints").spec
    row = Sample(spec, fid, lon, lat)
    who = _row_principals(engine, {"other": ("DSDABMBK",), "none": (), "citizen": (), "own": ("DLH",)},
                          {"other": "staff", "none": "staff", "citizen": "citizen", "own": "staff"})
    leaks, seen_by_own, refused_writes = [], 0, []
    for rule, method in rules_and_methods(matrix_app):
        for url in urls(matrix_app, rule, [row]):
            if method == "GET":
                for name in ("other", "none", "citizen"):
                    response = _call(matrix_app, "GET", url, who[name])
                    if response.status_code >= 500 or marker.encode() in response.get_data():
                        leaks.append(f"GET {url} as {name}: {response.status_code}")
                if "/items/" in url or "/admin/history/complaints/" in url:
                    seen_by_own += marker.encode() in _call(matrix_app, "GET", url, who["own"]).get_data()
            elif "item_id" in rule.arguments and rule.endpoint.startswith(("ogcapi.", "feature_history.")):
                status = _call(matrix_app, method, url, who["other"]).status_code
                if status != 404:
                    refused_writes.append(f"{method} {url} as staff of another agency: {status}, expected 404")
    assert leaks == [], "\n".join(leaks)
    assert refused_writes == [], "\n".join(refused_writes)
    assert seen_by_own >= 2  # the item and its history, for staff of the report's agency

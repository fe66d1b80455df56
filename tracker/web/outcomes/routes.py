"""The public outcomes register (DOMAIN.md §8): web page and Atom feed, no sign-in."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import get_locale, gettext as _

from tracker.services.outcomes import latest_outcomes, register_page, register_today, unit_choices
from tracker.services.rulebooks import current_rulebook
from tracker.web.access import PUBLIC, allow
from tracker.web.labels import options
from tracker.web.links import link_args
from tracker.web.outcomes.forms import OutcomeFilterForm
from tracker.web.pagination import requested_page

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")

FEED_ENTRIES = 50


def _filter_form() -> OutcomeFilterForm:
    form = OutcomeFilterForm(request.args)
    form.unit.choices += options(unit_choices(form.unit.data))
    form.code.choices += options((code, rule.title) for code, rule in sorted(current_rulebook().violations.items()))
    form.validate()
    return form


@bp.route("/")
@allow(PUBLIC)
def index():
    form = _filter_form()
    today = register_today()
    page = register_page(form.filters(), requested_page(), current_app.config["PER_PAGE"], today)
    return render_template("outcomes/index.html", page=page, filters=form, today=today)


def _moment(day: date) -> datetime:
    """Midnight of ``day`` in the rulebook's time zone (Atom times carry an offset)."""
    return datetime.combine(day, time(), ZoneInfo(current_rulebook().timezone))


@bp.route("/feed.atom")
@allow(PUBLIC)
def feed():
    form = _filter_form()
    if form.errors:
        abort(400, description="; ".join(f"{name}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()))
    today = register_today()
    outcomes = latest_outcomes(form.filters(), FEED_ENTRIES, today)
    # The feed's own address and the page's keep the filters the reader chose, nothing else (tracker.web.links).
    page_url = url_for("outcomes.index", _external=True, **link_args(request.args, "outcomes.index", drop=("page",)))
    feed_url = url_for("outcomes.feed", _external=True, **link_args(request.args, "outcomes.feed", drop=("page",)))
    generator = _atom_feed(feed_url, page_url)
    moments = [_moment(o.varied_on or o.published_on) for o in outcomes]
    generator.updated(max(moments) if moments else _moment(today))
    for outcome, moment in zip(reversed(outcomes), reversed(moments)):  # feedgen prepends: newest ends first
        _add_entry(generator, outcome, moment, page_url)
    return Response(generator.atom_str(pretty=True), mimetype="application/atom+xml")


def _atom_feed(feed_url: str, page_url: str) -> FeedGenerator:
    generator = FeedGenerator()
    generator.id(feed_url)
    generator.title(_("Enforcement outcomes"))
    generator.subtitle(_("Published decisions on price violations; personal data of natural persons masked."))
    generator.link(href=page_url, rel="alternate")
    generator.link(href=feed_url, rel="self")
    generator.language(str(get_locale() or "en"))
    return generator


def _add_entry(generator: FeedGenerator, outcome, moment, page_url: str) -> None:
    entry = generator.add_entry()
    entry.id(f"{url_for('outcomes.index', _external=True)}#{outcome.number}")
    entry.title(f"{outcome.number} · {outcome.party.name}")
    entry.link(href=f"{page_url}#{outcome.number}", rel="alternate")
    entry.author({"name": outcome.agency})
    entry.published(_moment(outcome.published_on))
    entry.updated(moment)
    entry.content(render_template("outcomes/_entry.html", outcome=outcome), type="html")

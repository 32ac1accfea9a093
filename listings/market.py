"""Market statistics for an area (city, ZIP code or drawn shape) and property type, by month.

Every figure comes from a few aggregate queries grouped by month (``date_trunc``), whatever the
number of listings; medians are PostgreSQL's ``percentile_cont(0.5)``. SQLite (the embedded demo)
has no ``percentile_cont``: there the counts are still aggregates and the median inputs of each
month are fetched as plain values and their medians taken in Python (the demo has ~2,000 listings).

Definitions (shown on the report page too):
- **New listings**: listed (ListingContractDate) in the month. **Median list price**: theirs.
- **Pending**: went under contract in the month (a "pending" history event).
- **Closed**: closed (CloseDate) in the month; median close price, median price per square foot
  (close price / living area), median days on market (DaysOnMarket, else listing to close date)
  and the sale-to-list ratio (average of close price / list price).
- **Active inventory**: listed by the month's end and not closed by then, leaving out listings now
  withdrawn, expired or canceled (the feed does not say when they left the market).
- **Months of supply**: that inventory divided by the month's closed sales.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce, NullIf, TruncMonth
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from . import search
from .models import Listing, ListingEvent, MarketReport

MAX_MONTHS = 24
Status = Listing.StandardStatus
OFF_MARKET = [Status.WITHDRAWN, Status.EXPIRED, Status.CANCELED]


class Median(Aggregate):
    """PostgreSQL's continuous median (interpolates between the two middle values)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (two dates)."""

    output_field = IntegerField()
    arity = 2

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra):
        # PostgreSQL: date - date is an integer number of days.
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
        )


def percentile(values: list, fraction: float = 0.5) -> float | None:
    """percentile_cont in Python: linear interpolation between the closest ranks."""
    ordered = sorted(float(v) for v in values if v is not None)
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# --- the area --------------------------------------------------------------------------------


@dataclass
class Area:
    SHAPE = "shape"

    kind: str  # "city", "zip" or "shape"
    value: str = ""
    shape: list = field(default_factory=list)

    def describe(self) -> str:
        if self.kind == "zip":
            return f"ZIP {self.value}"
        if self.kind == "shape":
            return "the drawn area"
        return self.value


def area_listings(area: Area, property_type: str = "") -> QuerySet[Listing]:
    listings = Listing.objects.order_by()
    if area.kind == "city":
        listings = listings.filter(city__iexact=area.value)  # upper(city) is indexed
    elif area.kind == "zip":
        listings = listings.filter(postal_code=area.value)
    elif area.kind == "shape" and len(area.shape) >= 3:
        listings = search._polygon_filter(listings, area.shape)
    else:
        listings = listings.none()
    if property_type:
        listings = listings.filter(property_type=property_type)
    return listings


# --- months ----------------------------------------------------------------------------------


def month_starts(months: int, *, today: dt.date | None = None) -> list[dt.date]:
    """The first days of the last ``months`` months, the current (partial) month last."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def month_end(start: dt.date) -> dt.date:
    following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _grouped(rows: QuerySet, month: str, aggregates: dict, medians: dict) -> dict[dt.date, dict]:
    """One row per month: ``aggregates`` computed in the database, and the median of each
    ``medians`` expression (in the database on PostgreSQL; on SQLite from the month's values)."""
    rows = rows.annotate(bucket=TruncMonth(month)).order_by()
    in_db = (
        {name: Median(expression) for name, expression in medians.items()} if _postgres() else {}
    )
    result = {
        _as_date(row["bucket"]): row
        for row in rows.values("bucket").annotate(**aggregates, **in_db)
    }
    if medians and not _postgres():
        values: dict[dt.date, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        names = list(medians)
        fetched = rows.annotate(**{f"m_{name}": expr for name, expr in medians.items()})
        for bucket, *row in fetched.values_list("bucket", *[f"m_{name}" for name in names]):
            for name, value in zip(names, row, strict=True):
                values[_as_date(bucket)][name].append(value)
        for bucket, data in result.items():
            for name in names:
                data[name] = percentile(values[bucket][name])
    return result


# --- the report ------------------------------------------------------------------------------


@dataclass
class MonthStats:
    month: dt.date
    partial: bool = False
    new_listings: int = 0
    pending: int = 0
    closed: int = 0
    median_list: float | None = None
    median_close: float | None = None
    median_ppsf: float | None = None
    median_dom: float | None = None
    sale_to_list: float | None = None  # percent
    inventory: int = 0
    months_of_supply: float | None = None


@dataclass
class MarketStats:
    area: Area
    property_type: str
    months: list[MonthStats]
    summary: list[str]

    @property
    def total_closed(self) -> int:
        return sum(m.closed for m in self.months)

    @property
    def total_new(self) -> int:
        return sum(m.new_listings for m in self.months)

    @property
    def is_empty(self) -> bool:
        return not any(m.new_listings or m.closed or m.pending or m.inventory for m in self.months)


def _closed_expressions() -> dict:
    decimal = DecimalField(max_digits=20, decimal_places=6)
    return {
        "median_close": F("close_price"),
        "median_ppsf": ExpressionWrapper(
            F("close_price") / NullIf(F("living_area"), 0), output_field=decimal
        ),
        "median_dom": Coalesce(
            F("days_on_market"), DaysBetween(F("close_date"), F("listing_contract_date"))
        ),
    }


def market_stats(
    *, area: Area, property_type: str = "", months: int = 12, today: dt.date | None = None
) -> MarketStats:
    """The report's numbers, month by month. Four aggregate queries whatever the area's size."""
    months = max(1, min(MAX_MONTHS, int(months)))
    today = today or timezone.localdate()
    starts = month_starts(months, today=today)
    first, last = starts[0], month_end(starts[-1])
    listings = area_listings(area, property_type)

    start_moment = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end_moment = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    window = (first, last, start_moment, end_moment)
    compute = _monthly_postgres if _postgres() else _monthly_portable
    new, closed, pending, before = compute(listings, *window)

    inventory = before["listed"] - before["closed"]
    rows = []
    current = starts[-1]
    for start in starts:
        listed, sold = new.get(start, {}), closed.get(start, {})
        stats = MonthStats(month=start, partial=start == current and last >= today)
        stats.new_listings = listed.get("new", 0)
        stats.median_list = _float(listed.get("median_list"))
        stats.pending = pending.get(start, {}).get("pending", 0)
        stats.closed = sold.get("closed", 0)
        stats.median_close = _float(sold.get("median_close"))
        stats.median_ppsf = _float(sold.get("median_ppsf"))
        stats.median_dom = _float(sold.get("median_dom"))
        stats.sale_to_list = _float(sold.get("sale_to_list"))
        inventory += listed.get("new_on_market", 0) - stats.closed
        stats.inventory = max(0, inventory)
        stats.months_of_supply = round(stats.inventory / stats.closed, 1) if stats.closed else None
        rows.append(stats)
    return MarketStats(
        area=area,
        property_type=property_type,
        months=rows,
        summary=summary_sentences(rows, area=area),
    )


def _monthly_portable(listings: QuerySet, first, last, start_moment, end_moment) -> tuple:
    """Four ORM aggregate queries (any database; medians in Python where the database has no
    percentile_cont): new listings, closed sales and pendings by month, and the inventory
    before the period."""
    decimal = DecimalField(max_digits=20, decimal_places=6)
    # 1. New listings by the month they were listed (and how many of them count as inventory).
    new = _grouped(
        listings.filter(listing_contract_date__range=(first, last)),
        "listing_contract_date",
        {
            "new": Count("id"),
            "new_on_market": Count("id", filter=~Q(standard_status__in=OFF_MARKET)),
        },
        {"median_list": F("list_price")},
    )
    # 2. Closed sales by the month they closed.
    closed = _grouped(
        listings.filter(standard_status=Status.CLOSED, close_date__range=(first, last)),
        "close_date",
        {
            "closed": Count("id"),
            "sale_to_list": Avg(
                ExpressionWrapper(
                    F("close_price") * 100 / NullIf(F("list_price"), 0), output_field=decimal
                )
            ),
        },
        _closed_expressions(),
    )
    # 3. Went pending, from the listings' history.
    pending = _grouped(
        ListingEvent.objects.filter(
            kind=ListingEvent.Kind.PENDING,
            occurred_at__gte=start_moment,
            occurred_at__lt=end_moment,
            listing__in=listings.values("pk"),
        ),
        "occurred_at",
        {"pending": Count("listing", distinct=True)},
        {},
    )
    # 4. The inventory before the period: listed and not yet closed by its first day.
    before = listings.filter(
        Q(listing_contract_date__lt=first) | Q(close_date__lt=first)
    ).aggregate(
        listed=Count(
            "id",
            filter=Q(listing_contract_date__lt=first) & ~Q(standard_status__in=OFF_MARKET),
        ),
        closed=Count("id", filter=Q(standard_status=Status.CLOSED, close_date__lt=first)),
    )

    return new, closed, pending, before


def _monthly_postgres(listings: QuerySet, first, last, start_moment, end_moment) -> tuple:
    """The same numbers as _monthly_portable in one statement: the area's rows are read once
    (a materialized CTE) and aggregated four ways."""
    area_sql, area_params = (
        # All the area's rows (a date filter here would only blur the planner's row estimate,
        # which decides how the events are joined).
        listings.values(
            "id",
            "listing_contract_date",
            "close_date",
            "standard_status",
            "list_price",
            "close_price",
            "living_area",
            "days_on_market",
        ).query.sql_with_params()
    )
    off_market = ", ".join(["%s"] * len(OFF_MARKET))
    sql = f"""
        WITH area AS MATERIALIZED ({area_sql})
        SELECT 'new', date_trunc('month', listing_contract_date)::date, count(*),
               count(*) FILTER (WHERE standard_status NOT IN ({off_market})),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY list_price),
               NULL::float8, NULL::float8, NULL::float8
          FROM area WHERE listing_contract_date BETWEEN %s AND %s GROUP BY 2
        UNION ALL
        SELECT 'closed', date_trunc('month', close_date)::date, count(*), 0,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY close_price),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY close_price / NULLIF(living_area, 0)),
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY coalesce(days_on_market, close_date - listing_contract_date)),
               avg(close_price * 100 / NULLIF(list_price, 0))
          FROM area WHERE standard_status = %s AND close_date BETWEEN %s AND %s GROUP BY 2
        UNION ALL
        SELECT 'before', NULL,
               count(*) FILTER (WHERE listing_contract_date < %s
                                  AND standard_status NOT IN ({off_market})),
               count(*) FILTER (WHERE standard_status = %s AND close_date < %s),
               NULL, NULL, NULL, NULL
          FROM area
        UNION ALL
        SELECT 'pending', date_trunc('month', occurred_at AT TIME ZONE %s)::date,
               count(DISTINCT listing_id), 0, NULL, NULL, NULL, NULL
          FROM listings_listingevent
         WHERE kind = %s AND occurred_at >= %s AND occurred_at < %s
           AND listing_id IN (SELECT id FROM area)
         GROUP BY 2
    """
    params = [
        *area_params,
        *OFF_MARKET, first, last,
        Status.CLOSED, first, last,
        first, *OFF_MARKET, Status.CLOSED, first,
        timezone.get_current_timezone_name(), ListingEvent.Kind.PENDING, start_moment, end_moment,
    ]  # fmt: skip
    new: dict = {}
    closed: dict = {}
    pending: dict = {}
    before = {"listed": 0, "closed": 0}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, bucket, count, other, first_m, ppsf, dom, ratio in cursor.fetchall():
            if kind == "new":
                new[bucket] = {"new": count, "new_on_market": other, "median_list": first_m}
            elif kind == "closed":
                closed[bucket] = {
                    "closed": count,
                    "median_close": first_m,
                    "median_ppsf": ppsf,
                    "median_dom": dom,
                    "sale_to_list": ratio,
                }
            elif kind == "pending":
                pending[bucket] = {"pending": count}
            else:
                before = {"listed": count, "closed": other}
    return new, closed, pending, before


def _float(value) -> float | None:
    return None if value is None else float(value)


# --- words -----------------------------------------------------------------------------------


def _money(value: float) -> str:
    return f"${value:,.0f}"


def _change(before: float, after: float) -> str:
    if not before:
        return ""
    change = (after - before) / before * 100
    if abs(change) < 0.05:
        return "held steady"
    return f"{'rose' if change > 0 else 'fell'} {abs(change):.1f}%"


def summary_sentences(rows: list[MonthStats], *, area: Area) -> list[str]:
    """A few plain sentences about the last complete month against the period's start."""
    complete = [row for row in rows if not row.partial] or rows
    sentences: list[str] = []
    total_closed = sum(row.closed for row in rows)
    where = area.describe()
    if not total_closed and not any(row.new_listings for row in rows):
        return [f"No listings in {where} for this period and property type."]
    latest = complete[-1]
    with_price = [row for row in complete if row.median_close is not None]
    if len(with_price) >= 2:
        first, end = with_price[0], with_price[-1]
        span = (end.month.year - first.month.year) * 12 + end.month.month - first.month.month
        change = _change(first.median_close, end.median_close)
        if change:
            sentences.append(
                f"Median close price {change} over {span} month{'s' if span != 1 else ''}, "
                f"from {_money(first.median_close)} in {first.month:%B %Y} "
                f"to {_money(end.median_close)} in {end.month:%B %Y}."
            )
    elif with_price:
        only = with_price[0]
        sentences.append(
            f"Median close price was {_money(only.median_close)} in {only.month:%B %Y}."
        )
    if total_closed:
        doms = [row.median_dom for row in complete if row.median_dom is not None]
        sentence = f"{total_closed:,} home{'s' if total_closed != 1 else ''} closed in {where}"
        sentence += f" over these {len(rows)} months"
        if doms:
            sentence += f"; a typical sale took {doms[-1]:.0f} days on market recently"
        sentences.append(sentence + ".")
    else:
        sentences.append(f"No closed sales in {where} in this period.")
    if latest.sale_to_list is not None:
        sentences.append(
            f"In {latest.month:%B %Y} homes sold for {latest.sale_to_list:.1f}% of their list "
            "price on average."
        )
    if latest.months_of_supply is not None:
        supply = latest.months_of_supply
        market = (
            "a seller's market"
            if supply < 4
            else ("a balanced market" if supply <= 6 else "a buyer's market")
        )
        sentences.append(
            f"{supply:.1f} months of supply at the end of {latest.month:%B %Y}: {market}."
        )
    return sentences


def describe_type(property_type: str) -> str:
    return dict(Listing.PropertyType.choices).get(property_type, "All property types")


# --- saved reports: reads and writes -----------------------------------------------------------


def report_portal_url(report: MarketReport | int) -> str:
    return f"/portal/reports/{getattr(report, 'pk', report)}/"


def report_area(report: MarketReport) -> Area:
    return Area(kind=report.area_kind, value=report.area_value, shape=report.area_shape or [])


def report_stats(report: MarketReport, *, today: dt.date | None = None) -> MarketStats:
    return market_stats(
        area=report_area(report),
        property_type=report.property_type,
        months=report.period_months,
        today=today,
    )


def reports_for_agent(agent) -> list[MarketReport]:
    return list(
        MarketReport.objects.filter(agent=agent)
        .annotate(recipient_count=Count("recipients"))
        .order_by("-updated_at", "-id")[:200]
    )


def get_report_for_agent(agent, pk: int) -> MarketReport:
    return get_object_or_404(MarketReport.objects.select_related("agent"), pk=pk, agent=agent)


def get_report_for_client(contact, pk: int) -> MarketReport:
    """A client sees a report only when one of their feed items links to it."""
    # messaging sits above listings; the feed is read here, at the one place that needs it.
    from messaging.models import FeedItem

    report = get_object_or_404(
        MarketReport.objects.select_related("agent"), pk=pk, agent_id=contact.agent_id
    )
    if not FeedItem.objects.filter(
        contact=contact, payload__url=report_portal_url(report)
    ).exists():
        raise Http404("No such report")
    return report


def _default_title(data: dict) -> str:
    area = Area(kind=data.get("area_kind", "city"), value=data.get("area_value", ""))
    where = "Drawn area" if area.kind == Area.SHAPE else area.describe()
    kind = describe_type(data.get("property_type", ""))
    return f"{where} market report · {kind}"[:200]


@transaction.atomic
def report_save(*, agent, data: dict, report: MarketReport | None = None) -> MarketReport:
    report = report or MarketReport(agent=agent)
    if report.agent_id != agent.pk:
        raise PermissionDenied("Not this agent's report.")
    for name in REPORT_FIELDS:
        if name in data:
            setattr(report, name, data[name])
    report.period_months = max(1, min(MAX_MONTHS, int(report.period_months)))
    if not report.title:
        report.title = _default_title(data)
    report.full_clean()
    report.save()
    return report


REPORT_FIELDS = [
    "title",
    "area_kind",
    "area_value",
    "area_shape",
    "property_type",
    "period_months",
    "schedule",
    "note",
]


def _refuse_a_different_send(share_key: str, contacts) -> None:
    from .cma import _refuse_a_different_send as refuse

    refuse(share_key, contacts)


def _month_key(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def _deliver(*, report: MarketReport, contacts, note: str, title: str, share_key: str) -> list:
    from messaging.models import FeedItem
    from messaging.services import share_item

    stats = report_stats(report)
    return share_item(
        agent=report.agent,
        contacts=contacts,
        category=FeedItem.Category.REPORTS,
        title=title,
        url=report_portal_url(report),
        template="shared_report",
        context={"report_title": title, "summary": stats.summary},
        note=note,
        share_key=share_key,
    )


@transaction.atomic
def report_send(*, report: MarketReport, contacts, note: str = "", send_no: int) -> list:
    """Into each client's feed (category Reports) with one email each; the clients are kept as
    the report's recipients for the monthly update. ``send_no`` makes a double submit one send."""
    contacts = list(contacts)
    if not contacts:
        raise ValidationError("Choose at least one client.")
    if any(contact.agent_id != report.agent_id for contact in contacts):
        raise PermissionDenied("Agents send only to their own contacts.")
    if send_no < 1 or send_no > report.send_count + 1:
        raise ValidationError("This report was sent again meanwhile; reload the page.")
    share_key = f"report:{report.pk}:{send_no}"
    _refuse_a_different_send(share_key, contacts)
    items = _deliver(
        report=report, contacts=contacts, note=note, title=report.title, share_key=share_key
    )
    report.recipients.add(*contacts)
    today = timezone.localdate()
    # A first send this month counts as this month's update.
    MarketReport.objects.filter(pk=report.pk, send_count__lt=send_no).update(
        send_count=send_no,
        status=MarketReport.Status.SENT,
        sent_at=timezone.now(),
        refreshed_month=_month_key(today),
    )
    report.refresh_from_db()
    return items


def report_monthly_update(*, report_id: int, today: dt.date | None = None) -> list:
    """This month's market update of a scheduled report to its recipients, at most once a month:
    the month is claimed with a conditional UPDATE before anything is sent."""
    today = today or timezone.localdate()
    month = _month_key(today)
    with transaction.atomic():
        claimed = (
            MarketReport.objects.filter(
                pk=report_id,
                schedule=MarketReport.Schedule.MONTHLY,
                status=MarketReport.Status.SENT,
            )
            .exclude(refreshed_month=month)
            .update(refreshed_month=month)
        )
        if not claimed:
            return []
        report = MarketReport.objects.select_related("agent").get(pk=report_id)
        contacts = list(report.recipients.filter(agent=report.agent))
        if not contacts:
            return []
        return _deliver(
            report=report,
            contacts=contacts,
            note="",
            title=f"Market update: {report.title} ({today:%B %Y})"[:200],
            share_key=f"report:{report.pk}:m{month}",
        )


def reports_due_for_update(*, today: dt.date | None = None) -> list[int]:
    month = _month_key(today or timezone.localdate())
    return list(
        MarketReport.objects.filter(
            schedule=MarketReport.Schedule.MONTHLY, status=MarketReport.Status.SENT
        )
        .exclude(refreshed_month=month)
        .values_list("pk", flat=True)
    )

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from listings.models import Listing


class ListingFactory(DjangoModelFactory):
    class Meta:
        model = Listing

    listing_key = factory.Sequence(lambda n: f"TEST-{n:06d}")
    listing_id = factory.Sequence(lambda n: f"CT9{n:05d}")
    standard_status = Listing.StandardStatus.ACTIVE
    list_price = Decimal("450000")
    street_number = factory.Sequence(lambda n: str(10 + n))
    street_name = "Maple"
    street_suffix = "St"
    city = "Hartford"
    state_or_province = "CT"
    postal_code = "06105"
    latitude = Decimal("41.763700")
    longitude = Decimal("-72.685100")
    bedrooms_total = 3
    bathrooms_total_integer = 2
    living_area = 1850
    year_built = 1965
    listing_contract_date = factory.LazyFunction(lambda: datetime.date.today())
    modification_timestamp = factory.LazyFunction(timezone.now)

"""What consultations asks of the roles built on it (institutions answers), without importing them.

Until an app registers an answer, no institution may sit in and none sees a booking.
"""

from accounts.models import SupportInstitution
from core.hooks import Hook

# may_sit_in(institution_id=, company_id=) -> bool: may this institution sit in on this company's consultations?
may_sit_in = Hook("consultations.may_sit_in", default=lambda *, institution_id, company_id: False)

# sitting_in_bookings(institution=) -> list[Booking]: the recent bookings this institution sits in on.
sitting_in_bookings = Hook("consultations.sitting_in_bookings", default=lambda *, institution: [])

# booked_on_request(booking=) -> bool: was this booking made on the sitting-in institution's own request (which tells
# the institution itself, so the booking's own mail to it is left out)?
booked_on_request = Hook("consultations.booked_on_request", default=lambda *, booking: False)

# member_institutions(company_id=) -> QuerySet[SupportInstitution]: the institutions that may sit in on this company's
# consultations (offered in the intake form).
member_institutions = Hook(
    "consultations.member_institutions", default=lambda *, company_id: SupportInstitution.objects.none()
)

"""What advisors recommended, on the company's own pages (my page, booking detail)."""

from django import template

from advisors import selectors
from advisors.models import FollowUp

register = template.Library()


@register.inclusion_tag("advisors/_company_recommendations.html")
def company_recommendations(company_id: int | None) -> dict:
    items = selectors.company_recommendations(company_id=company_id) if company_id else []
    return {"recommendations": items, "with_booking": True}


@register.inclusion_tag("advisors/_booking_follow_up.html")
def booking_follow_up(booking) -> dict:

    follow_up = FollowUp.objects.filter(booking=booking).first()
    return {
        "next_steps": follow_up.next_steps if follow_up else "",
        "recommendations": selectors.company_recommendations(company_id=booking.company_id, booking_id=booking.pk),
        "with_booking": False,
    }

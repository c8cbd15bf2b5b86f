import pytest
from django.core.management import call_command

from matching.models import Buyer, Need, NeedStatus, Proposal, ProposalStatus


@pytest.mark.django_db
def test_the_demo_has_two_buyers_five_needs_and_a_proposal_at_every_stage(frozen):
    call_command("load_demo", "--allow-production")
    call_command("load_demo", "--allow-production")
    assert Buyer.objects.count() == 2
    assert Need.objects.count() == 5
    assert Need.objects.filter(status=NeedStatus.IN_REVIEW).count() == 1
    assert set(Proposal.objects.values_list("status", flat=True)) == set(ProposalStatus.values)
    assert all(p.attachments.exists() for p in Proposal.objects.all())

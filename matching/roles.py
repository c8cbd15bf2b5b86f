"""The SMRJ staff group of the business-matching desk (created by this app's data migration)."""

MATCHING_DESK = "ビジネスマッチングデスク"

# Custom permissions the desk holds (the views and services check these, not is_staff alone).
APPROVE_BUYER_MEMBERS = "matching.approve_buyermember"
REVIEW_NEEDS = "matching.review_need"
VIEW_STATISTICS = "matching.view_matching_statistics"
VIEW_PROPOSALS = "matching.view_proposal"

"""The published list of purposes a data-sharing agreement may name, and the lawful bases.

Codes are stable: agreements, access logs and the public register refer to them.
"""

from __future__ import annotations

PURPOSES: dict[str, str] = {
    "hospital-discharge": "Planning a safe discharge from hospital",
    "safeguarding-adults": "Protecting adults at risk of abuse or neglect",
    "safeguarding-children": "Protecting children from harm",
    "housing-support": "Finding or keeping a home, and support to live independently",
    "tell-us-once": "Telling services once about a change of circumstances",
    "supporting-families": "Supporting families with multiple needs",
    "public-health": "Protecting and improving the public's health",
    "benefit-verification": "Checking eligibility for a discount, badge or benefit",
    "fraud-prevention": "Preventing and detecting fraud",
    "community-safety": "Reducing crime and disorder",
}

# UK GDPR Article 6(1) lawful bases.
ARTICLE_6_BASES: dict[str, str] = {
    "consent": "6(1)(a) consent",
    "contract": "6(1)(b) contract",
    "legal_obligation": "6(1)(c) legal obligation",
    "vital_interests": "6(1)(d) vital interests",
    "public_task": "6(1)(e) public task",
    "legitimate_interests": "6(1)(f) legitimate interests",
}

# UK GDPR Article 9(2) conditions for special category data.
ARTICLE_9_CONDITIONS: dict[str, str] = {
    "explicit_consent": "9(2)(a) explicit consent",
    "employment_social_protection": "9(2)(b) employment, social security and social protection",
    "vital_interests": "9(2)(c) vital interests",
    "not_for_profit": "9(2)(d) not-for-profit bodies",
    "made_public": "9(2)(e) made public by the data subject",
    "legal_claims": "9(2)(f) legal claims",
    "substantial_public_interest": "9(2)(g) substantial public interest",
    "health_social_care": "9(2)(h) health or social care",
    "public_health": "9(2)(i) public health",
    "archiving_research": "9(2)(j) archiving, research and statistics",
}

# Case data beyond the answers that an agreement may name, as "case.<field>".
CASE_FIELDS: dict[str, str] = {
    "case.resident_name": "The resident's name",
    "case.resident_email": "The resident's email address",
    "case.postcode": "The resident's postcode",
    "case.state": "Where the case has got to",
    "case.received_at": "When the case was received",
}

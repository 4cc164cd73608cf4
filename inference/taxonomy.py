"""The label and code names of the contract (taxonomy v1).

Every room reads names from here so that a typo is an import error instead of
a silently empty column. The order of LABELS is the order of the model's
output columns.
"""

from __future__ import annotations

TAXONOMY_VERSION = "taxonomy.v1"

LABELS: tuple[str, ...] = (
    "meaningless",
    "deflection",
    "unilateral_change",
    "extra_charge",
    "commitment",
)

LABELS_ZH: dict[str, str] = {
    "meaningless": "无意义回复",
    "deflection": "推诿/转移责任",
    "unilateral_change": "单方变更诉求",
    "extra_charge": "不合理费用",
    "commitment": "服务承诺",
}

TICKET_CODES: tuple[str, ...] = (
    "R1_no_contact_reject",
    "R2_unilateral_change",
    "R3_baseless_reject",
    "R4_negotiation_breach",
    "T1_timeout",
    "P1_broken_commitment",
    "P2_extra_charge",
    "P3_invalid_contact",
    "P4_wrong_product_specs",
)

STORE_CODES: tuple[str, ...] = ("S1_experience_rank",)

CODES: tuple[str, ...] = TICKET_CODES + STORE_CODES

REQUEST_TYPES: tuple[str, ...] = ("return", "exchange", "repair", "refund_only")
RETURN_METHODS: tuple[str, ...] = ("pickup", "self_ship")
ACTORS: tuple[str, ...] = ("consumer", "merchant", "platform")
EVENT_KINDS: tuple[str, ...] = (
    "message",
    "approve",
    "reject",
    "close",
    "modify",
    "negotiate_reject",
    "complaint",
    "dispute",
    "urge",
    "refund",
    "pickup",
    "pickup_failed",
    "return_received",
)
MODIFIABLE_FIELDS: tuple[str, ...] = ("type", "reason", "return_method", "refund_amount")

"""A small, deterministic ChannelCo demo world (CRM, DRP, X12 EDI and truth), written to a folder.

The folders, file names, headers and encodings are those of the ChannelCo scenario
(``crm/`` UTF-8 CSV with every field quoted, ``drp/`` GB18030 CSV with Chinese headers,
``edi/846|850|820`` X12 004010 interchanges, ``truth/truth.json``), so the hub's ChannelCo
example reads this world and the benchmark's alike. Word lists and code are our own and only
the standard library is used: a fresh clone can run ``make demo`` and the tests without
anything else. The world is built in memory (meant for up to a few thousand customers).

    python -m testkit.world OUT_DIR [--seed N] [--customers N]      # from the repository root

The truth's discrepancies are not the generator's intentions: :func:`derive_discrepancies`
applies the scenario's rules to the rows exactly as written.

Modules: ``vocab`` (word lists, rates), ``values`` (formats and noise), ``parties``,
``master`` (people, products, accounts, DRP customers), ``orders``, ``finance``
(invoices, payments, credit), ``edi`` (stock and X12), ``rules`` (discrepancies),
``writer`` (files), ``world`` (the builder and :func:`generate`), ``cli``.
"""

from __future__ import annotations

from testkit.world.cli import main
from testkit.world.rules import derive_discrepancies, invoice_refs
from testkit.world.values import uscc_check_char
from testkit.world.vocab import AS_OF, DISCREPANCY_KINDS
from testkit.world.world import generate

__all__ = ["generate", "derive_discrepancies", "invoice_refs", "uscc_check_char", "DISCREPANCY_KINDS", "AS_OF", "main"]

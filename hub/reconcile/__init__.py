"""Reconciliation: party identity resolution (matcher), order matching and discrepancy rules.

Identity resolution public API lives in :mod:`hub.reconcile.matcher`
(``PartyRecord``, ``match_parties``, ``MatchResult``, ``affected_records``) and
:mod:`hub.reconcile.match_config` (``MatchConfig``, ``load_match_config``,
``default_party_config``). The helpers it builds on are pure functions:
:mod:`~hub.reconcile.normalize` (text, cities, addresses), :mod:`~hub.reconcile.ids`
(USCC / tax ids), :mod:`~hub.reconcile.phones` and :mod:`~hub.reconcile.names`
(company names, Chinese <-> Latin).
"""

"""Source contracts: the columns a stream must deliver, what it did deliver, and the guards on each delivery."""

from hub.contracts.columns import ColumnProblem, ColumnUse, column_uses, missing_columns

__all__ = ["ColumnProblem", "ColumnUse", "column_uses", "missing_columns"]

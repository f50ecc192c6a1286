"""A file that ends inside a multi-byte character is a typed EDI error naming the offset, for X12 and EDIFACT
(the incremental decoder's final flush raised a bare UnicodeDecodeError)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.edi import edifact, x12_segments
from hub.errors import EdiError

EDIFACT = "UNA:+.? 'UNB+UNOW:4+S+R+200101:1200+1'UNH+1+ORDERS:D:96A:UN'BGM+220+订单".encode()
X12 = (
    "ISA*00*          *00*          *ZZ*S              *ZZ*R              *200101*1200*U*00401*000000001*0*P*>~"
    "GS*PO*S*R*20200101*1200*1*X*004010~ST*850*0001~BEG*00*SA*订单"
).encode()


@pytest.mark.parametrize("cut", [1, 2])
def test_edifact_file_ending_inside_a_character(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "orders.edi"
    path.write_bytes(EDIFACT[:-cut])
    with pytest.raises(EdiError, match=rf"not valid utf-8 .* at offset {len(EDIFACT) - 3}") as info:
        list(edifact.parse(path))
    assert info.value.file == str(path)


@pytest.mark.parametrize("cut", [1, 2])
def test_x12_file_ending_inside_a_character(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "po.x12"
    path.write_bytes(X12[:-cut])
    with pytest.raises(EdiError, match=rf"not valid utf-8 at offset {len(X12) - 3}"):
        list(x12_segments.iter_segments(path))

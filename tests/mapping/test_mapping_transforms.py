"""Built-in transforms: behaviour, argument checks at load time, and registration through pluggy."""

from __future__ import annotations

import pluggy
import pytest

from hub import hookspecs
from hub.hookspecs import hookimpl
from hub.mapping.transforms import BUILTIN_TRANSFORMS, NORMALIZING
from hub.plugins import transforms as collect_transforms


def bound(registry: dict, name: str, *args):
    func, arity = registry[name]
    assert len(args) <= arity
    prepare = getattr(func, "prepare", None)
    return prepare(*args) if prepare else (lambda v: func(v, *args))


@pytest.mark.parametrize(
    ("name", "args", "value", "expected"),
    [
        ("strip", (), "  a b \u3000", "a b"),
        ("upper", (), "91310110mat5", "91310110MAT5"),
        ("lower", (), "Ming.Hu@X.CN", "ming.hu@x.cn"),
        ("fullwidth_to_halfwidth", (), "９１３１ＡＢ（上海）", "9131AB(上海)"),
        ("fullwidth_to_halfwidth", (), "plain", "plain"),
        ("collapse_spaces", (), "  Shanghai   Huaxin\t Trading\u3000Co ", "Shanghai Huaxin Trading Co"),
        ("digits_only", (), "+86 (021) ５５５-1234", "860215551234"),
        ("zfill", (8,), "181", "00000181"),
        ("zfill", (3,), "12345", "12345"),
        ("prefix", ("C",), "000123", "C000123"),
        ("suffix", ("-X",), "A", "A-X"),
        ("replace", (" ", ""), "9131 0110 MA", "91310110MA"),
        ("split_part", ("|", 1), "SO1|3|x", "3"),
        ("split_part", ("|", -1), "SO1|3|x", "x"),
        ("split_part", ("|", 5), "SO1|3", ""),
        ("regex_extract", (r"INV\d{4}-?\d{6}",), "付INV2025000123货款", "INV2025000123"),
        ("regex_extract", (r"^TRN\s*(\S+)", 1), "TRN 2908896230", "2908896230"),
        ("regex_extract", (r"(?P<no>\d+)", "no"), "发票号2025000013", "2025000013"),
        ("regex_extract", (r"TRN (\d+)", 1), "货款", ""),
    ],
)
def test_builtin_transform(registry, name, args, value, expected):
    assert bound(registry, name, *args)(value) == expected
    # the plain function (as a plugin would call it) agrees with the prepared one
    func, _ = registry[name]
    assert func(value, *args) == expected


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("zfill", ("8",), "must be an integer"),
        ("zfill", (-1,), ">= 0"),
        ("prefix", (5,), "must be a string"),
        ("replace", ("", "x"), "must not be empty"),
        ("split_part", ("", 0), "must not be empty"),
        ("split_part", (",", "1"), "must be an integer"),
        ("regex_extract", ("([a-z", 0), "invalid pattern"),
        ("regex_extract", ("(a)", 2), "has 1 group(s)"),
        ("regex_extract", ("(a)", "name"), "no group named"),
    ],
)
def test_bad_transform_arguments_fail_at_prepare(registry, name, args, message):
    func, _ = registry[name]
    with pytest.raises((TypeError, ValueError), match=message.replace("(", r"\(").replace(")", r"\)")):
        func.prepare(*args)


def test_every_builtin_is_registered_and_normalizers_exist(registry):
    assert set(BUILTIN_TRANSFORMS) <= set(registry)
    assert NORMALIZING <= set(BUILTIN_TRANSFORMS)
    assert registry["regex_extract"][1] == 2 and registry["strip"][1] == 0


class _Override:
    @staticmethod
    @hookimpl
    def register_transforms(register):
        register("upper", lambda v: v.upper() + "!", arity=0, override=True)  # replacing a built-in must say so
        register("reverse_text", lambda v: v[::-1], arity=0)


def test_a_plugin_can_add_and_override_transforms():
    import hub.mapping.transforms as builtin

    pm = pluggy.PluginManager("hub")
    pm.add_hookspecs(hookspecs)
    pm.register(builtin, name="hub.mapping.transforms")
    plugin = _Override()
    pm.register(plugin, name="fake")
    try:
        found = collect_transforms(pm)
        assert found["upper"][0]("a") == "A!"
        assert found["reverse_text"][0]("abc") == "cba"
        assert found["lower"][0]("A") == "a"
    finally:
        pm.unregister(plugin)

import pytest

from miniback.registry.credit_code import check_character, credit_code_problem, is_valid_credit_code


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91440300568520498A", "9144030071526726XG"])
def test_published_examples_are_valid(code):
    assert is_valid_credit_code(code)
    assert credit_code_problem(code) is None


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100M000100Y44", "校验位不正确"),
        ("91440300568520498B", "校验位不正确"),
        ("91350100M000100Y4", "应为 18 位"),
        ("91350100M000100Y433", "应为 18 位"),
        ("91350100M000100YI3", "非法字符 I"),
        ("9135010OM000100Y43", "非法字符 O"),
        ("91350100m000100Y43", "非法字符 m"),
    ],
)
def test_invalid_codes_are_explained(code, problem):
    assert not is_valid_credit_code(code)
    assert problem in credit_code_problem(code)


def test_check_character_31_maps_to_zero():
    # Find a prefix whose weighted sum is a multiple of 31: the check character must be "0", not index 31.
    for n in range(10_000):
        prefix = f"9144010{n:010d}"
        if check_character(prefix) == "0":
            assert is_valid_credit_code(prefix + "0")
            return
    pytest.fail("no prefix with check character 0 found")

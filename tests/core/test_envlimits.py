"""Limits from environment variables: set ones read, unset ones left to the defaults, bad ones named."""

import pytest

from dengbao.core.documents.isolation import RenderLimits
from dengbao.core.envlimits import positive_ints
from dengbao.core.ziplimits import ZipLimits

VARIABLES = {"size": "X_SIZE", "count": "X_COUNT"}


def test_only_set_variables_are_read():
    assert positive_ints({"X_SIZE": " 12 ", "X_COUNT": ""}, VARIABLES) == {"size": 12}


@pytest.mark.parametrize(
    ("text", "said"),
    [("ten", "X_SIZE must be a whole number, not 'ten'"), ("0", "X_SIZE must be positive, not '0'")],
)
def test_a_bad_value_names_its_variable(text, said):
    with pytest.raises(ValueError) as caught:
        positive_ints({"X_SIZE": text}, VARIABLES)
    assert str(caught.value) == said


def test_the_limit_classes_read_their_variables():
    zip_limits = ZipLimits.from_env({"DENGBAO_ZIP_MAX_RATIO": "50"})
    assert (zip_limits.max_ratio, zip_limits.max_members) == (50, ZipLimits().max_members)
    render = RenderLimits.from_env({"DENGBAO_TEMPLATE_MEMORY_MB": "256"})
    assert (render.memory_mb, render.output_mb) == (256, RenderLimits().output_mb)
    with pytest.raises(ValueError, match="DENGBAO_TEMPLATE_CPU_SECONDS"):
        RenderLimits.from_env({"DENGBAO_TEMPLATE_CPU_SECONDS": "-1"})

from pathlib import Path

import pytest
import torch

from filmcolor.models import Generator, GeneratorConfig, save_weights


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory) -> Path:
    """A small random generator: the tests check the plumbing, not the colours."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("weights") / "tiny.pt"
    save_weights(Generator(GeneratorConfig(base=8, blocks=1)), path)
    return path

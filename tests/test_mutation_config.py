"""`make mutation` runs every domain test file against the mutants (setup.cfg [mutmut])."""
import configparser
import pathlib

ROOT = pathlib.Path(__file__).parent.parent


def test_every_domain_test_file_is_in_the_mutation_run():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["mutmut"]["pytest_add_cli_args_test_selection"].split())
    present = {f"tests/{path.name}" for path in ROOT.joinpath("tests").glob("test_domain_*.py")}
    assert present - listed == set(), "add these to setup.cfg [mutmut]"

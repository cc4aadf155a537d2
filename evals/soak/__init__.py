"""The soak: many workers on one PostgreSQL database, killed with SIGKILL at random moments while
invoice emails arrive over SMTP and the API; then the books are checked for anything lost or done
twice. `run.run_soak` is the whole run; tests/evals/test_soak.py runs a short form in CI and
evals/benchmarks/soak_bench.py the long one."""

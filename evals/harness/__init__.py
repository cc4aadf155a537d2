"""The regression-eval harness: suites of versioned cases, deterministic evaluators, reports and a
baseline gate. A suite is one module in evals.suites plus its data under evals/data/<suite>/."""

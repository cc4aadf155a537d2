"""One module per node of the invoice graph. Nodes read and write the books through memory/ and
call the pure kernel in tools/; side effects (approvals, postings) live in their own nodes after
the decision, each idempotent."""

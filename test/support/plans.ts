// Plans shared by the tests that run real Claude Code workers.

/** Two independent tasks and one that joins them; each worker's script is found by `# Task <id>:`. */
export const CLAUDE_TEAM_PLAN = `version: 1
name: Claude team
base: main
defaults:
  agent: claude
  heartbeatTimeout: 60s
tasks:
  - id: alpha
    title: Alpha feature
    description: Write alpha.txt and commit it.
  - id: beta
    title: Beta feature
    description: Write beta.txt and commit it.
  - id: gamma
    title: Gamma joins them
    deps: [alpha, beta]
    description: Write gamma.txt from what alpha and beta wrote.
`;

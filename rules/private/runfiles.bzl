"""Paths of files in `bazel run` scripts' runfiles."""

def rlocation(ctx, f):
    """The runfiles path of f, as `$RUNFILES_DIR/<path>` resolves it.

    Args:
      ctx: the rule context.
      f: a File in the target's runfiles.

    Returns:
      string: `<repo>/<path>`.
    """
    sp = f.short_path
    if sp.startswith("../"):
        return sp[3:]
    return ctx.workspace_name + "/" + sp

# Sets RUNFILES_DIR in a generated bash script when Bazel did not.
RUNFILES_PRELUDE = """if [[ -z "${RUNFILES_DIR:-}" ]]; then
  if [[ -d "$0.runfiles" ]]; then RUNFILES_DIR="$0.runfiles"; else RUNFILES_DIR="$(cd .. && pwd)"; fi
fi
"""

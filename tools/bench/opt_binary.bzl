"""opt_sh_binary: a shell script whose data deps are always built optimized.

Benchmarks must not measure a -O0 build by accident: `bazel run
//tools/bench:echo_bench` builds the benchmark binaries it runs with
--compilation_mode=opt whatever the command line says (a Starlark
configuration transition on the `data` attribute).
"""

def _opt_impl(settings, attr):
    return {"//command_line_option:compilation_mode": "opt"}

_to_opt = transition(implementation = _opt_impl, inputs = [], outputs = ["//command_line_option:compilation_mode"])

def _opt_sh_binary_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(output = out, target_file = ctx.file.src, is_executable = True)
    runfiles = ctx.runfiles(files = ctx.files.data + [ctx.file.src])
    for d in ctx.attr.data:
        runfiles = runfiles.merge(d[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = out, runfiles = runfiles)]

opt_sh_binary = rule(
    doc = "A script (src) run with its data built in compilation_mode=opt.",
    implementation = _opt_sh_binary_impl,
    executable = True,
    attrs = {
        "src": attr.label(allow_single_file = True),
        "data": attr.label_list(cfg = _to_opt, allow_files = True),
        "_allowlist_function_transition": attr.label(default = "@bazel_tools//tools/allowlists/function_transition_allowlist"),
    },
)

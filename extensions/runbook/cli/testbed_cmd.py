"""`runbook testbed`: real multi-node hosts on this machine, and faults to inject into them."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys

ORDER = 50


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "testbed",
        help="bring up, inspect and break a local multi-node testbed",
        description=(
            "Real Debian hosts (systemd-nspawn containers booting systemd) on a private "
            "bridge of this machine, for running the guide's scenarios. Needs root."
        ),
    )
    named = argparse.ArgumentParser(add_help=False)
    named.add_argument("--name", default="default", help="which testbed (default: %(default)s)")
    actions = parser.add_subparsers(dest="testbed_command", metavar="ACTION", required=True)

    up = actions.add_parser("up", parents=[named], help="create or start the testbed, wait for it")
    up.add_argument("--nodes", type=int, default=None, help="number of nodes (default 3)")
    up.add_argument("--subnet", default=None, help="a /24 to use instead of a derived free one")
    up.set_defaults(handler=_up)

    down = actions.add_parser("down", parents=[named], help="remove the testbed entirely")
    down.set_defaults(handler=_down)

    status = actions.add_parser("status", help="nodes, addresses, power and links")
    status.add_argument("--name", default=None, help="one testbed (default: every testbed)")
    status.set_defaults(handler=_status)

    ssh = actions.add_parser("ssh", parents=[named], help="log in to a node, or run a command")
    ssh.add_argument("node")
    ssh.add_argument("cmd", nargs=argparse.REMAINDER, help="command to run instead of a shell")
    ssh.set_defaults(handler=_ssh)

    reset = actions.add_parser("reset", parents=[named], help="every node back to a clean image")
    reset.set_defaults(handler=_reset)

    snapshot = actions.add_parser(
        "snapshot", parents=[named], help="save every node's disk under a name"
    )
    snapshot.add_argument("snapshot")
    snapshot.add_argument("--force", action="store_true", help="replace a snapshot of that name")
    snapshot.add_argument("--delete", action="store_true", help="delete the snapshot instead")
    snapshot.set_defaults(handler=_snapshot)

    restore = actions.add_parser(
        "restore", parents=[named], help="bring every node back to a snapshot and boot it"
    )
    restore.add_argument("snapshot")
    restore.set_defaults(handler=_restore)

    inventory = actions.add_parser(
        "inventory", parents=[named], help="print the inventory path (brings nothing up)"
    )
    inventory.set_defaults(handler=_inventory)

    image = actions.add_parser("image", help="build (if needed) and show the cached base image")
    image.add_argument("--rebuild", action="store_true", help="build it again even if cached")
    image.add_argument("--prune", action="store_true", help="remove cached images no testbed uses")
    image.set_defaults(handler=_image)

    _register_faults(actions, named)


def _register_faults(
    actions: argparse._SubParsersAction[argparse.ArgumentParser], named: argparse.ArgumentParser
) -> None:
    fault = actions.add_parser("fault", help="inject a fault into a node (tests, drills)")
    kinds = fault.add_subparsers(dest="fault", metavar="FAULT", required=True)

    poweroff = kinds.add_parser("poweroff", parents=[named], help="cut a node's power")
    poweroff.add_argument("node")
    poweroff.add_argument(
        "--graceful", action="store_true", help="shut down cleanly instead of cutting power"
    )
    poweron = kinds.add_parser("poweron", parents=[named], help="boot a powered-off node")
    poweron.add_argument("node")
    poweron.add_argument("--no-wait", action="store_true", help="do not wait until it is ready")
    kill = kinds.add_parser("kill-service", parents=[named], help="kill a systemd unit's processes")
    kill.add_argument("node")
    kill.add_argument("unit")
    kill.add_argument("--signal", default="KILL", help="signal name (default: %(default)s)")
    down = kinds.add_parser("link-down", parents=[named], help="unplug a node's network link")
    down.add_argument("node")
    up = kinds.add_parser("link-up", parents=[named], help="plug a node's network link back")
    up.add_argument("node")
    netem = kinds.add_parser(
        "netem", parents=[named], help="drop or delay packets sent to a node (tc netem)"
    )
    netem.add_argument("node")
    netem.add_argument("--loss", type=float, default=None, help="percentage of packets dropped")
    netem.add_argument("--delay", type=float, default=None, help="added delay in ms")
    netem.add_argument("--jitter", type=float, default=None, help="delay variation in ms")
    freeze = kinds.add_parser(
        "freeze", parents=[named], help="hang a node: every process stopped, power still on"
    )
    freeze.add_argument("node")
    thaw = kinds.add_parser("thaw", parents=[named], help="let a frozen node run again")
    thaw.add_argument("node")
    clear = kinds.add_parser("clear", parents=[named], help="remove netem, link back up")
    clear.add_argument("node")
    for kind in (poweroff, poweron, kill, down, up, netem, freeze, thaw, clear):
        kind.set_defaults(handler=_fault)


def _verbose() -> None:
    """Progress of long steps (image build, boot) goes to stderr; stdout stays for data."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("runbook: %(message)s"))
    logger = logging.getLogger("runbook.testbed")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _up(args: argparse.Namespace) -> int:
    from runbook.testbed import lifecycle

    _verbose()
    current = lifecycle.up(args.name, nodes=args.nodes, subnet=args.subnet)
    print(f"testbed {current.name!r} is up on {current.subnet} (bridge {current.bridge})")
    for spec in current.nodes:
        print(f"  {spec.name:<8} {spec.address}")
    print(f"inventory: {current.paths.inventory}")
    return 0


def _down(args: argparse.Namespace) -> int:
    from runbook.testbed import lifecycle

    _verbose()
    if lifecycle.down(args.name):
        print(f"testbed {args.name!r} removed")
    else:
        print(f"testbed {args.name!r} was not up: nothing to remove")
    return 0


def _status(args: argparse.Namespace) -> int:
    from runbook.testbed import lifecycle, state

    names = [args.name] if args.name else state.all_names()
    if not names:
        print("no testbed is up (`runbook testbed up` makes the default one)")
        return 0
    for name in names:
        found = lifecycle.status(name)
        print(f"testbed {found.name}: {found.subnet} on bridge {found.bridge}")
        for node in found.nodes:
            power = "running" if node.running else "powered off"
            link = "" if not node.running else (", link up" if node.link_up else ", LINK DOWN")
            hung = ", FROZEN" if node.frozen else ""
            print(f"  {node.name:<8} {node.address:<15} {power}{link}{hung}")
        print(f"  fence device: {found.fence_device or 'not running (`up` starts it)'}")
        print(f"  inventory: {found.inventory}")
        if found.snapshots:
            print(f"  snapshots: {', '.join(found.snapshots)}")
    return 0


def _ssh(args: argparse.Namespace) -> int:
    from runbook.testbed import lifecycle, ssh
    from runbook.testbed.system import require_root

    require_root()  # the testbed's private key is readable by root only
    current = lifecycle.existing(args.name)
    spec = current.node(args.node)
    argv = ssh.ssh_argv(current.paths, spec.address, args.cmd, interactive=True)
    if not args.cmd:
        sys.stdout.flush()
        os.execvp(argv[0], argv)
    return subprocess.run(argv, check=False).returncode


def _reset(args: argparse.Namespace) -> int:
    from runbook.testbed import lifecycle

    _verbose()
    lifecycle.reset(args.name)
    print(f"testbed {args.name!r} reset to the clean image")
    return 0


def _snapshot(args: argparse.Namespace) -> int:
    from runbook.testbed import snapshots

    _verbose()
    if args.delete:
        snapshots.delete(args.name, args.snapshot)
        print(f"snapshot {args.snapshot!r} deleted")
        return 0
    path = snapshots.snapshot(args.name, args.snapshot, replace=args.force)
    print(f"snapshot {args.snapshot!r} of testbed {args.name!r} saved in {path}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from runbook.testbed import snapshots

    _verbose()
    snapshots.restore(args.name, args.snapshot)
    print(f"testbed {args.name!r} restored to snapshot {args.snapshot!r}")
    return 0


def _inventory(args: argparse.Namespace) -> int:
    from runbook.testbed import lifecycle

    path = lifecycle.inventory_path(args.name)
    print(path)
    if not path.is_file():
        flag = "" if args.name == "default" else f" --name {args.name}"
        print(
            f"runbook: testbed {args.name!r} is not up: `runbook testbed up{flag}`", file=sys.stderr
        )
        return 1
    return 0


def _image(args: argparse.Namespace) -> int:
    from runbook.errors import TestbedError
    from runbook.testbed import image, state
    from runbook.testbed.system import require_root

    require_root()
    _verbose()
    users: dict[str, list[str]] = {}
    for name in state.all_names():
        loaded = state.load(name)
        if loaded is not None:
            users.setdefault(loaded.image_key, []).append(name)
    current = image.Image.current()
    if args.rebuild and users.get(current.key):
        # Its root is the lower layer of those testbeds' nodes: replacing it under them
        # would corrupt every running node.
        raise TestbedError(
            f"image {current.key} is in use by testbed(s) {', '.join(users[current.key])}: "
            "take them down before rebuilding it"
        )
    built = image.ensure_image(rebuild=args.rebuild)
    print(f"image {built.key}: {built.rootfs}")
    if args.prune:
        for removed in image.prune({built.key, *users}):
            print(f"removed {removed}")
    return 0


def _fault(args: argparse.Namespace) -> int:
    from runbook.testbed import faults

    node = args.node
    if args.fault == "poweroff":
        faults.poweroff(args.name, node, graceful=args.graceful)
        message = "shut down" if args.graceful else "powered off"
    elif args.fault == "poweron":
        _verbose()
        faults.poweron(args.name, node, wait=not args.no_wait)
        message = "powered on"
    elif args.fault == "kill-service":
        faults.kill_service(args.name, node, args.unit, args.signal)
        message = f"{args.unit} killed"
    elif args.fault == "link-down":
        faults.link_down(args.name, node)
        message = "link down"
    elif args.fault == "link-up":
        faults.link_up(args.name, node)
        message = "link up"
    elif args.fault == "freeze":
        faults.freeze(args.name, node)
        message = "frozen"
    elif args.fault == "thaw":
        faults.thaw(args.name, node)
        message = "thawed"
    elif args.fault == "netem":
        faults.netem(args.name, node, loss=args.loss, delay_ms=args.delay, jitter_ms=args.jitter)
        message = "netem " + " ".join(
            part
            for part in (
                f"loss {args.loss:g}%" if args.loss is not None else "",
                f"delay {args.delay:g} ms" if args.delay is not None else "",
                f"jitter {args.jitter:g} ms" if args.jitter else "",
            )
            if part
        )
    else:
        faults.clear(args.name, node)
        message = "faults cleared"
    print(f"{node}: {message}")
    return 0

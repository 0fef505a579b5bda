"""`bianzhi demo`: build a synthetic province (see bianzhi/orgs/demo/), optionally with people."""

import time

from django.core.management.base import BaseCommand, CommandError

from bianzhi.orgs import demo
from bianzhi.orgs.models import Org


class Command(BaseCommand):
    help = (
        "Build a realistic synthetic province: real region codes, plausible names, internal "
        "bodies, valid credit codes and some history; plus the demo nodes and logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, default=2000, help="bodies to make (default 2000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--province", default="320000", help="current province-level code (default 320000)"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any body exists"
        )
        parser.add_argument(
            "--people",
            type=int,
            default=0,
            help="persons to put on posts, with quotas and leader posts (default 0: none)",
        )
        parser.add_argument(
            "--fast", action="store_true", help="bulk path for benchmarks (10⁵ bodies)"
        )
        parser.add_argument(
            "--no-matters",
            dest="matters",
            action="store_false",
            help="do not put demo matters and registrations into the county's inboxes",
        )

    def handle(
        self,
        *args,
        orgs: int,
        seed: int,
        province: str,
        if_empty: bool,
        fast: bool,
        people: int = 0,
        matters: bool = True,
        **opts,
    ):
        self.verbosity = opts.get("verbosity", 1)
        if people < 0:
            raise CommandError("the number of people cannot be negative")
        if if_empty and (count := Org.objects.count()):
            self.stdout.write(f"The registry already holds {count} bodies; demo not loaded.")
            return
        try:
            place = demo.province_place(province)
            if demo.org_count_in(province):
                raise CommandError(
                    f"{place.name} already has bodies; load the demo into an empty registry"
                )
            started = time.perf_counter()
            plan = demo.build_plan(province, orgs, seed)
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from exc
        planned = time.perf_counter()
        stats = demo.load_plan(plan, fast=fast, progress=self._progress(len(plan.places)))
        demo.ensure_demo_accounts(province)
        events = ", ".join(f"{kind} {n}" for kind, n in sorted(stats.events.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo {place.name}: {stats.bodies} bodies in {stats.regions} regions "
                f"({'bulk' if fast else 'services'}; history: {events}) in "
                f"{time.perf_counter() - started:.1f} s (plan {planned - started:.1f} s). "
                "Logins: bianzhi demo_logins"
            )
        )
        if people:
            self._people(province, people, seed, fast)
        from bianzhi.matters.demo import load_demo_matters

        if matters and (made := load_demo_matters()):
            self.stdout.write(f"Matters: {made} demo matters in the county's inboxes")
        from bianzhi.registration.demo import load_demo_registrations

        if matters and (registered := load_demo_registrations(seed)):
            self.stdout.write(f"Registration: {registered} county institutions registered")

    def _people(self, province: str, count: int, seed: int, fast: bool) -> None:
        started = time.perf_counter()
        plan = demo.plan_people(province, count, seed)
        stats = demo.load_people(plan, fast=fast)
        self.stdout.write(
            self.style.SUCCESS(
                f"People: {stats.persons} persons on {stats.quotas} quotas "
                f"(sizes × {plan.scale:.2f}), {stats.leader_posts} leader posts "
                f"({stats.appointed} appointed), {stats.cuts} cuts below occupation, in "
                f"{time.perf_counter() - started:.1f} s"
            )
        )

    def _progress(self, total: int):
        done = [0]

        def report(_place) -> None:
            done[0] += 1
            if self.verbosity > 1 or (done[0] % 20 == 0 and self.verbosity > 0):
                self.stdout.write(f"  {done[0]}/{total} regions", ending="\n")

        return report

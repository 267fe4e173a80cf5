"""What a million requests of each kind cost in the cloud, and what one user costs a month: a model.

Inputs, each from a measurement of this project (README, Performance):
  - CPU per request: local/bench/run perrequest (x86_64 release builds, one full core here);
  - DynamoDB calls, read and write units per request: local/bench/run capacity (counted);
  - each function's memory size: template.yaml.
Assumed (not measured here; no AWS account on this machine):
  - Lambda gives a function memory/1769 of a vCPU, so CPU time stretches by 1769/memory;
  - each sequential DynamoDB call waits ROUND_TRIP_MS in the region (DynamoDB's "single-digit
    milliseconds"), during which no CPU is used but duration is billed;
  - a Graviton vCPU runs this code as fast as one core of this machine.
Prices: us-east-1, on-demand, as published on aws.amazon.com/lambda/pricing (arm64),
/dynamodb/pricing/on-demand (after the November 2024 cut) and /api-gateway/pricing (HTTP APIs,
first 300 million a month), read 2025; not re-checked from this machine, which has no internet.

Usage: cost.py   (prints the README's two tables)
"""

from __future__ import annotations

from dataclasses import dataclass

LAMBDA_PER_REQUEST = 0.20 / 1e6
LAMBDA_ARM_PER_GB_SECOND = 0.0000133334
DYNAMODB_PER_READ_UNIT = 0.125 / 1e6
DYNAMODB_PER_WRITE_UNIT = 0.625 / 1e6
HTTP_API_PER_REQUEST = 1.00 / 1e6
FULL_VCPU_MB = 1769
ROUND_TRIP_MS = 3.0


@dataclass(frozen=True)
class Invocation:
    memory_mb: int
    cpu_ms: float
    sequential_calls: int
    read_units: float
    write_units: float

    def duration_ms(self) -> float:
        return self.cpu_ms * FULL_VCPU_MB / self.memory_mb + self.sequential_calls * ROUND_TRIP_MS

    def lambda_cost(self) -> float:
        gb_seconds = self.memory_mb / 1024 * self.duration_ms() / 1000
        return LAMBDA_PER_REQUEST + gb_seconds * LAMBDA_ARM_PER_GB_SECOND

    def dynamodb_cost(self) -> float:
        return self.read_units * DYNAMODB_PER_READ_UNIT + self.write_units * DYNAMODB_PER_WRITE_UNIT


# The realtime function's work for one written resource when nobody is connected: one Query of the
# owner's connections (1 read unit, computed by capacity.py) and 0.30 ms of CPU (perrequest.py's
# stream scenario); one invocation per write at light traffic (the stream's batching window is 0).
LIVE_UPDATE = Invocation(memory_mb=256, cpu_ms=0.30, sequential_calls=1, read_units=1, write_units=0)


@dataclass(frozen=True)
class Request:
    name: str
    invocation: Invocation
    streamed: bool  # a write of a task, expense or budget: the realtime function sees it

    def live_update_cost(self) -> float:
        return LIVE_UPDATE.lambda_cost() + LIVE_UPDATE.dynamodb_cost() if self.streamed else 0.0

    def total(self) -> float:
        call = self.invocation
        return call.lambda_cost() + call.dynamodb_cost() + HTTP_API_PER_REQUEST + self.live_update_cost()


# CPU: perrequest.py, 2026-12-05, the mean of two runs of 74d32ad (the SDK's HTTP client and the API
# Gateway adapter the project's own), refresh of 0c0f445 (three calls); login of one run; the writes
# of expenses and budgets as a task's. Calls and units: capacity.md of the same builds.
REQUESTS = {
    "login": Request("POST /auth/login", Invocation(1024, 14.9, 6, 2, 7), False),
    "refresh": Request("POST /auth/refresh", Invocation(1024, 0.57, 2, 1, 2), False),
    "get": Request("GET /tasks/{id}", Invocation(512, 0.31, 1, 2, 0), False),
    "list": Request("GET /tasks (a page of 20)", Invocation(512, 0.57, 2, 2, 0), False),
    "create": Request("POST /tasks", Invocation(512, 0.45, 2, 1, 1), True),
    "patch": Request("PATCH /tasks/{id}", Invocation(512, 0.48, 2, 2, 1), True),
    "expense": Request("POST /expenses", Invocation(512, 0.45, 2, 1, 2), True),
    "expenses": Request("GET /expenses (a month)", Invocation(512, 0.57, 2, 3, 0), False),
    "budget": Request("POST /budgets", Invocation(512, 0.45, 2, 1, 6), True),
    "summary": Request("GET /budgets/summary", Invocation(512, 0.70, 2, 4, 0), False),
}

# A month of one user with 1,000 tasks: the app opened every day for about an hour.
MONTH = {"login": 4, "refresh": 120, "list": 600, "get": 300, "create": 150, "patch": 300,
         "expense": 60, "expenses": 60, "budget": 8, "summary": 30}
STORED_GB = 0.0005  # 1,000 tasks and 60 expenses with their index entries: about half a megabyte
STORAGE_PER_GB_MONTH = 0.25


def dollars(amount: float) -> str:
    return f"${amount:.2f}" if amount >= 0.995 else f"${amount:.3f}"


def main() -> None:
    print("| per million | billed ms (model) | Lambda | DynamoDB | API Gateway | live update | total |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for request in REQUESTS.values():
        call = request.invocation
        live = request.live_update_cost()
        print(f"| {request.name} | {call.duration_ms():.1f} | {dollars(call.lambda_cost() * 1e6)} | "
              f"{dollars(call.dynamodb_cost() * 1e6)} | {dollars(HTTP_API_PER_REQUEST * 1e6)} | "
              f"{dollars(live * 1e6) if live else '-'} | **{dollars(request.total() * 1e6)}** |")
    print()
    print("| a month of one user | requests | cost |")
    print("|---|---:|---:|")
    total = 0.0
    for kind, count in MONTH.items():
        cost = REQUESTS[kind].total() * count
        total += cost
        print(f"| {REQUESTS[kind].name} | {count} | ${cost:.5f} |")
    storage = STORED_GB * STORAGE_PER_GB_MONTH
    total += storage
    print(f"| storage (about {STORED_GB * 1000:g} MB) | | ${storage:.5f} |")
    print(f"| **in all** | {sum(MONTH.values())} | **${total:.4f}** |")


if __name__ == "__main__":
    main()

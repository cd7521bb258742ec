"""Mesa 3 models on a network (run in benchmarks/.envs/mesa).

``idiomatic``: agents placed on the cells of ``mesa.discrete_space.Network``; a step is
``agents.shuffle_do("step")`` (every agent once, in random order), and an agent talks to a
random agent of its cell's neighbourhood. ``lean``: plain ``mesa.Agent`` objects and a list of
neighbour agents per agent; a step is ``n`` updates of a uniform random agent with a uniform
random neighbour, written as a tight loop on the model.
"""

from __future__ import annotations

import mesa
from common import args, measure, read_graph, report, rss_mb
from mesa.discrete_space import FixedAgent, Network

D, MU = 0.3, 0.5


class Person(FixedAgent):
    def __init__(self, model, cell, opinion):
        super().__init__(model)
        self.cell = cell
        self.opinion = opinion

    def step(self):
        other = self.cell.neighborhood.select_random_agent()
        if self.model.kind == "deffuant":
            diff = other.opinion - self.opinion
            if abs(diff) < D:
                self.opinion += MU * diff
                other.opinion -= MU * diff
        else:
            self.opinion = other.opinion


class Idiomatic(mesa.Model):
    def __init__(self, graph, kind, seed):
        super().__init__(rng=seed)
        self.kind = kind
        self.grid = Network(graph, capacity=1, random=self.random, layout=None)
        for cell in self.grid.all_cells:
            x = self.random.random()
            Person(self, cell, x if kind == "deffuant" else int(x < 0.5))

    def step(self):
        self.agents.shuffle_do("step")


class Lean(mesa.Model):
    def __init__(self, graph, kind, seed):
        super().__init__(rng=seed)
        self.kind = kind
        n = graph.number_of_nodes()
        self.people = []
        for _ in range(n):
            p = mesa.Agent(self)
            x = self.random.random()
            p.opinion = x if kind == "deffuant" else int(x < 0.5)
            self.people.append(p)
        self.neighbours = [[self.people[j] for j in graph.adj[i]] for i in range(n)]

    def step(self):
        rnd = self.random.random
        people, neighbours, n = self.people, self.neighbours, len(self.people)
        if self.kind == "deffuant":
            for _ in range(n):
                i = int(rnd() * n)
                a = people[i]
                nb = neighbours[i]
                b = nb[int(rnd() * len(nb))]
                diff = b.opinion - a.opinion
                if -D < diff < D:
                    a.opinion += MU * diff
                    b.opinion -= MU * diff
        else:
            for _ in range(n):
                i = int(rnd() * n)
                nb = neighbours[i]
                people[i].opinion = nb[int(rnd() * len(nb))].opinion


def main() -> None:
    a = args()
    base = rss_mb()
    g = read_graph(a.edges)
    n = g.number_of_nodes()
    model = (Idiomatic if a.variant == "idiomatic" else Lean)(g, a.model, a.seed)
    model.step()  # warm-up

    def unit():
        model.step()
        return n

    updates, el = measure(unit, a.seconds)
    report(updates, el, base, n=n, mesa=mesa.__version__)


if __name__ == "__main__":
    main()

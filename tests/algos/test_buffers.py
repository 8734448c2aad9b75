"""memorax.buffers against a brute-force reference of which windows exist and how likely each is.

Streams are small (2 rows of 7 steps, windows of 3) so that the buffer wraps many
times; every step carries its running index, its row, a done flag and the "carry
before the step" so that a sampled window identifies itself.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memorax.buffers import importance_weights, make_episode_buffer, make_prioritised_episode_buffer, stored_steps

ROWS, TIME, LENGTH, SAMPLES = 2, 7, 3, 256
ALPHA = 0.7
EPSILON = 1e-6  # the buffers' default priority_epsilon


class ReferenceReplay:
    """Every step ever added, per row; a window is valid iff it is complete and still stored."""

    def __init__(self) -> None:
        self.dones: list[list[bool]] = [[] for _ in range(ROWS)]
        self.weights: dict[tuple[int, int], float] = {}
        self.max_weight = 1.0

    @property
    def num_added(self) -> int:
        return len(self.dones[0])

    def add(self, dones: list[bool]) -> dict:
        t = self.num_added
        for row, done in enumerate(dones):
            self.dones[row].append(done)
        # The stored carry of a step is the carry before it: here simply t - 1.
        item = {
            "t": np.full(ROWS, t, np.int32),
            "row": np.arange(ROWS, dtype=np.int32),
            "done": np.asarray(dones),
            "carry": np.full(ROWS, t - 1, np.int32),
        }
        for window in self.valid_windows():
            self.weights.setdefault(window, self.max_weight)
        self.weights = {w: p for w, p in self.weights.items() if w in self.valid_windows()}
        return item

    def valid_windows(self) -> set[tuple[int, int]]:
        oldest = max(0, self.num_added - TIME)
        starts = range(oldest, self.num_added - LENGTH + 1)
        return {(row, start) for row in range(ROWS) for start in starts}

    def set_priorities(self, windows: list[tuple[int, int]], priorities: np.ndarray) -> None:
        for window, priority in zip(windows, priorities):
            weight = (float(priority) + EPSILON) ** ALPHA
            self.weights[window] = weight
            self.max_weight = max(self.max_weight, weight)

    def check_windows(self, experience: dict) -> list[tuple[int, int]]:
        """Asserts every sampled window is valid with the right contents; returns their ids."""
        rows, starts = experience["row"][:, 0], experience["t"][:, 0]
        windows = list(zip(rows.tolist(), starts.tolist()))
        assert set(windows) <= self.valid_windows(), (windows, self.num_added)
        offsets = np.arange(LENGTH)
        np.testing.assert_array_equal(experience["row"], np.broadcast_to(rows[:, None], (len(rows), LENGTH)))
        np.testing.assert_array_equal(experience["t"], starts[:, None] + offsets)
        dones = np.asarray(self.dones)[rows[:, None], starts[:, None] + offsets]
        np.testing.assert_array_equal(experience["done"], dones)
        np.testing.assert_array_equal(experience["carry"][:, 0], starts - 1)
        return windows


EXAMPLE = {
    "t": jnp.int32(0),
    "row": jnp.int32(0),
    "done": jnp.bool_(False),
    "carry": jnp.int32(0),
}
dones_streams = st.lists(st.lists(st.booleans(), min_size=ROWS, max_size=ROWS), min_size=0, max_size=24)


@pytest.fixture(scope="module")
def uniform():
    buffer = make_episode_buffer(
        max_length=ROWS * TIME,
        min_length=1,
        sample_batch_size=SAMPLES,
        sample_sequence_length=LENGTH,
        add_batch_size=ROWS,
    )
    return buffer, jax.jit(buffer.add), jax.jit(buffer.sample)


@pytest.fixture(scope="module")
def prioritised():
    buffer = make_prioritised_episode_buffer(
        max_length=ROWS * TIME,
        min_length=1,
        sample_batch_size=SAMPLES,
        sample_sequence_length=LENGTH,
        add_batch_size=ROWS,
        priority_exponent=ALPHA,
    )
    return buffer, jax.jit(buffer.add), jax.jit(buffer.sample), jax.jit(buffer.set_priorities)


def sum_tree_leaves(state) -> np.ndarray:
    tree = state.sum_tree_state
    first_leaf = 2**tree.tree_depth - 1
    return np.asarray(tree.nodes[first_leaf : first_leaf + tree.capacity])


@settings(max_examples=40, deadline=None)
@given(stream=dones_streams, seed=st.integers(0, 2**31 - 1))
def test_episode_buffer__samples_exactly_the_valid_windows_uniformly(uniform, stream, seed):
    buffer, add, sample = uniform
    reference, state = ReferenceReplay(), buffer.init(EXAMPLE)
    for dones in stream:
        state = add(state, reference.add(dones))
        assert bool(buffer.can_sample(state)) == (reference.num_added >= LENGTH)
    if reference.num_added < LENGTH:
        return
    experience = jax.tree.map(np.asarray, sample(state, jax.random.key(seed)).experience)
    counts: dict[tuple[int, int], int] = {}
    for window in reference.check_windows(experience):
        counts[window] = counts.get(window, 0) + 1
    valid = reference.valid_windows()
    # At most 2 * 5 windows, 256 draws: each one is missed with probability < 1e-11.
    assert set(counts) == valid
    expected = SAMPLES / len(valid)
    assert all(abs(count - expected) < 6 * np.sqrt(expected) for count in counts.values())


@settings(max_examples=40, deadline=None)
@given(
    stream=st.lists(
        st.tuples(
            st.lists(st.booleans(), min_size=ROWS, max_size=ROWS),
            st.lists(st.floats(0.05, 10.0), min_size=4, max_size=4),
        ),
        max_size=24,
    ),
    seed=st.integers(0, 2**31 - 1),
)
def test_prioritised_episode_buffer__priorities_match_reference(prioritised, stream, seed):
    """After every add and priority update, each window's sampling weight equals the reference's:
    zero unless complete and still stored, the running max when it became complete, else
    ``priority ** alpha``; sampled windows and their probabilities agree with it."""
    buffer, add, sample, set_priorities = prioritised
    reference, state = ReferenceReplay(), buffer.init(EXAMPLE)
    key = jax.random.key(seed)
    for dones, priorities in stream:
        state = add(state, reference.add(dones))
        expected = np.zeros(ROWS * TIME)
        for (row, start), weight in reference.weights.items():
            expected[row * TIME + start % TIME] = weight
        np.testing.assert_allclose(sum_tree_leaves(state), expected, rtol=1e-5)
        if not buffer.can_sample(state):
            assert reference.num_added < LENGTH
            continue
        key, sample_key = jax.random.split(key)
        drawn = sample(state, sample_key)
        experience = jax.tree.map(np.asarray, drawn.experience)
        total = sum(reference.weights.values())
        windows = reference.check_windows(experience)
        np.testing.assert_array_equal(drawn.indices, [row * TIME + start % TIME for row, start in windows])
        np.testing.assert_allclose(
            drawn.probabilities, [reference.weights[window] / total for window in windows], rtol=1e-4
        )
        # Re-prioritise the first few distinct draws, as a learner does after its update.
        distinct = list(dict.fromkeys(windows))[: len(priorities)]
        new_priorities = np.asarray(priorities[: len(distinct)], np.float32)
        indices = jnp.asarray([row * TIME + start % TIME for row, start in distinct], jnp.int32)
        state = set_priorities(state, indices, jnp.asarray(new_priorities))
        reference.set_priorities(distinct, new_priorities)


def test_prioritised_episode_buffer__sampling_frequencies_follow_probabilities(prioritised):
    buffer, add, sample, set_priorities = prioritised
    reference, state = ReferenceReplay(), buffer.init(EXAMPLE)
    for _ in range(11):  # wraps: 11 > 7 steps per row
        state = add(state, reference.add([False, True]))
    windows = sorted(reference.valid_windows())
    priorities = np.linspace(0.2, 3.0, len(windows)).astype(np.float32)
    state = set_priorities(
        state, jnp.asarray([r * TIME + s % TIME for r, s in windows]), jnp.asarray(priorities)
    )
    reference.set_priorities(windows, priorities)
    draws = np.concatenate(
        [np.asarray(sample(state, key).indices) for key in jax.random.split(jax.random.key(1), 40)]
    )
    total = sum(reference.weights.values())
    for row, start in windows:
        p = reference.weights[(row, start)] / total
        frequency = np.mean(draws == row * TIME + start % TIME)
        assert abs(frequency - p) < 5 * np.sqrt(p * (1 - p) / draws.size)


def test_prioritised_episode_buffer__drifted_sum_tree_never_yields_invalid_windows(prioritised):
    """Float drift can make the root exceed the leaves' sum; draws past the leaves are replaced."""
    buffer, add, sample, _ = prioritised
    reference, state = ReferenceReplay(), buffer.init(EXAMPLE)
    for _ in range(5):
        state = add(state, reference.add([False, False]))
    tree = state.sum_tree_state
    state = state.replace(sum_tree_state=tree.replace(nodes=tree.nodes.at[0].multiply(3.0)))
    drawn = sample(state, jax.random.key(0))
    experience = jax.tree.map(np.asarray, drawn.experience)
    reference.check_windows(experience)
    assert np.all(np.asarray(drawn.probabilities) > 0)


def test_prioritised_episode_buffer__zero_priority_window_stays_sampleable(prioritised):
    """A window whose TD error reached exactly zero keeps a small positive probability."""
    buffer, add, sample, set_priorities = prioritised
    reference, state = ReferenceReplay(), buffer.init(EXAMPLE)
    for _ in range(LENGTH):
        state = add(state, reference.add([False, False]))
    first_window = jnp.asarray([0], jnp.int32)  # row 0, start 0: the only window of row 0
    state = set_priorities(state, first_window, jnp.zeros(1))
    assert float(sum_tree_leaves(state)[0]) > 0.0


@pytest.mark.parametrize("maker", [make_episode_buffer, make_prioritised_episode_buffer])
def test_buffers__add_takes_one_step_or_flashbax_sequences_per_row(maker):
    """(rows, T, ...) adds T steps at once exactly like T single-step adds; other shapes name both layouts."""
    buffer = maker(max_length=40, min_length=8, sample_batch_size=4, sample_sequence_length=3, add_batch_size=2)
    item = {"obs": jnp.zeros(3), "flag": jnp.bool_(False)}
    steps = {"obs": jnp.arange(2 * 5 * 3, dtype=jnp.float32).reshape(2, 5, 3), "flag": jnp.ones((2, 5), bool)}
    at_once = buffer.add(buffer.init(item), steps)
    one_by_one = buffer.init(item)
    for t in range(5):
        one_by_one = buffer.add(one_by_one, jax.tree.map(lambda x: x[:, t], steps))
    jax.tree.map(np.testing.assert_array_equal, at_once, one_by_one)
    assert int(stored_steps(at_once)) == 10
    with pytest.raises(ValueError, match=r"\(add_batch_size=2, T, \*item_shape\)"):
        buffer.add(buffer.init(item), {"obs": jnp.zeros((3, 3)), "flag": jnp.zeros(3, bool)})


def test_stored_steps__counts_until_the_rows_are_full(uniform):
    buffer, add, _ = uniform
    reference, state = ReferenceReplay(), buffer.init(EXAMPLE)
    for added in range(1, TIME + 3):
        state = add(state, reference.add([False, False]))
        assert int(stored_steps(state)) == ROWS * min(added, TIME)


def test_importance_weights__match_per_formula():
    probabilities = jnp.asarray([0.1, 0.02, 0.3, 0.05])
    num_windows, beta = 17, 0.6
    raw = (num_windows * np.asarray(probabilities)) ** -beta
    np.testing.assert_allclose(importance_weights(probabilities, beta), raw / raw.max(), rtol=1e-5)
    np.testing.assert_allclose(importance_weights(probabilities, 0.0), 1.0)


def test_episode_buffer__seed_snippet_runs():
    buffer = make_episode_buffer(
        max_length=100_000, min_length=1000, sample_batch_size=32, sample_sequence_length=16, add_batch_size=8
    )
    state, add = buffer.init({"obs": jnp.zeros(3)}), jax.jit(buffer.add)
    for _ in range(125):
        assert not buffer.can_sample(state)
        state = add(state, {"obs": jnp.ones((8, 3))})
    assert buffer.can_sample(state)
    assert buffer.sample(state, jax.random.key(0)).experience["obs"].shape == (32, 16, 3)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"max_length": 40}, "max_length"),
        ({"min_length": 0}, "min_length"),
        ({"min_length": 10_000}, "min_length"),
        ({"sample_batch_size": 0}, "sample_batch_size"),
        ({"sample_sequence_length": 2.5}, "sample_sequence_length"),
        ({"add_batch_size": -1}, "add_batch_size"),
        ({"priority_exponent": 1.5}, "priority_exponent"),
        ({"device": "quantum"}, "device"),
    ],
)
def test_make_prioritised_episode_buffer__rejects_bad_arguments_naming_the_field(changes, field):
    arguments = dict(max_length=1000, min_length=100, sample_batch_size=4, sample_sequence_length=8, add_batch_size=8)
    with pytest.raises(ValueError, match=f"`{field}`"):
        make_prioritised_episode_buffer(**(arguments | changes))

"""A deep Q-network on gymnasium's CartPole-v1, written as tf.keras 2 users write it.

The code of docs/dqn.md: a replay buffer, an epsilon-greedy policy, a target network
copied with `set_weights`, the Huber loss, and `predict_on_batch` / `train_on_batch`
once per step of the environment. Run from the repository root to make the figure
docs/figures/dqn_returns.png and print the numbers the guide quotes:

    python docs/dqn_cartpole.py

Needs gymnasium (`pip install lamina[rl]`) and, for the figure, matplotlib.
"""
from __future__ import annotations

import os

import gymnasium as gym
import numpy as np

import lamina as keras
from lamina import layers

HERE = os.path.dirname(os.path.abspath(__file__))


class ReplayBuffer:
    """The last `capacity` transitions, in NumPy arrays used as a ring."""

    def __init__(self, capacity: int, state_size: int):
        self.states = np.zeros((capacity, state_size), np.float32)
        self.actions = np.zeros(capacity, np.int32)
        self.rewards = np.zeros(capacity, np.float32)
        self.next_states = np.zeros((capacity, state_size), np.float32)
        self.dones = np.zeros(capacity, np.float32)
        self.capacity, self.size, self.next = capacity, 0, 0

    def add(self, state, action, reward, next_state, done):
        i = self.next
        self.states[i], self.actions[i], self.rewards[i] = state, action, reward
        self.next_states[i], self.dones[i] = next_state, done
        self.next = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, rng, batch_size):
        idx = rng.integers(self.size, size=batch_size)
        return (self.states[idx], self.actions[idx], self.rewards[idx],
                self.next_states[idx], self.dones[idx])


def q_network(state_size: int, num_actions: int) -> keras.Model:
    model = keras.Sequential([
        layers.Input((state_size,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(num_actions),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss=keras.losses.Huber())
    return model


def train_dqn(total_steps: int = 10_000, seed: int = 0, batch_size: int = 64,
              gamma: float = 0.99, warmup: int = 500, target_every: int = 250,
              epsilon_steps: int = 4_000, min_epsilon: float = 0.05) -> list[float]:
    """Train a DQN for `total_steps` steps of the environment; returns the return
    (the sum of rewards) of each finished episode."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    env = gym.make("CartPole-v1")
    state_size, num_actions = env.observation_space.shape[0], env.action_space.n
    model = q_network(state_size, num_actions)
    target = q_network(state_size, num_actions)
    target.set_weights(model.get_weights())
    buffer = ReplayBuffer(50_000, state_size)
    returns, episode_return = [], 0.0
    state, _ = env.reset(seed=seed)
    for step in range(total_steps):
        epsilon = max(min_epsilon, 1.0 - step / epsilon_steps)
        if rng.random() < epsilon:
            action = int(rng.integers(num_actions))
        else:
            action = int(np.argmax(model.predict_on_batch(state[None])[0]))
        next_state, reward, terminated, truncated, _ = env.step(action)
        buffer.add(state, action, reward, next_state, float(terminated))
        episode_return += reward
        state = next_state
        if terminated or truncated:
            returns.append(episode_return)
            episode_return = 0.0
            state, _ = env.reset()
        if step >= warmup:
            states, actions, rewards, next_states, dones = buffer.sample(rng, batch_size)
            next_q = target.predict_on_batch(next_states).max(axis=1)
            q_values = model.predict_on_batch(states)
            q_values[np.arange(batch_size), actions] = \
                rewards + gamma * (1.0 - dones) * next_q
            model.train_on_batch(states, q_values)
        if step % target_every == 0:
            target.set_weights(model.get_weights())
    env.close()
    return returns


def random_returns(episodes: int = 100, seed: int = 0) -> list[float]:
    """Returns of the uniformly random policy, the baseline of the guide."""
    rng = np.random.default_rng(seed)
    env = gym.make("CartPole-v1")
    out = []
    for episode in range(episodes):
        env.reset(seed=seed + episode)
        total, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(int(rng.integers(2)))
            total += reward
            done = terminated or truncated
        out.append(total)
    env.close()
    return out


def plot_returns(returns: list[float], baseline: float, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(returns, lw=0.8, color="tab:blue", label="return of each episode")
    window = 20
    if len(returns) >= window:
        smooth = np.convolve(returns, np.ones(window) / window, mode="valid")
        ax.plot(range(window - 1, len(returns)), smooth, color="tab:orange",
                label=f"mean of the last {window}")
    ax.axhline(baseline, color="gray", ls="--", label="random policy (mean)")
    ax.set_xlabel("episode")
    ax.set_ylabel("return")
    ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=70)
    plt.close(fig)


def main() -> None:
    import time

    baseline = float(np.mean(random_returns()))
    start = time.perf_counter()
    returns = train_dqn()
    seconds = time.perf_counter() - start
    print(f"random policy: mean return {baseline:.1f} over 100 episodes")
    print(f"DQN: {len(returns)} episodes in {seconds:.0f} s; mean return of the last 20: "
          f"{np.mean(returns[-20:]):.1f}; best episode {max(returns):.0f}")
    os.makedirs(os.path.join(HERE, "figures"), exist_ok=True)
    plot_returns(returns, baseline, os.path.join(HERE, "figures", "dqn_returns.png"))


if __name__ == "__main__":
    main()

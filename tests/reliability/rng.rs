//! A seeded xorshift64* generator: the suites need reproducible random numbers, not good
//! ones, and a dependency for that is not worth it.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // xorshift never leaves 0; any other seed is fine.
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// `name` from the environment as a number, else `default`; a value that is not a number
/// fails the test rather than being ignored.
pub fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => {
            let text = text.trim();
            let parsed = match text.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => text.parse(),
            };
            parsed.unwrap_or_else(|e| panic!("{name}={text}: not a number: {e}"))
        }
        Err(_) => default,
    }
}

/// The seed of a suite: `DBFLEET_RELIABILITY_SEED`, else a fixed one, printed either way
/// so a failure can be re-run with the same draws.
pub fn seed(suite: &str) -> u64 {
    let seed = env_number("DBFLEET_RELIABILITY_SEED", 0x00d8_f1ee_7000_0014);
    eprintln!("{suite}: seed {seed:#x} (set DBFLEET_RELIABILITY_SEED to change it)");
    seed
}

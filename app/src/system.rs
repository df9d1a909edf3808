//! The world as the domain sees it: a clock and a source of randomness, injected so
//! tests can pin them. The clock is the workspace's one clock: the trait is
//! `domain::Clock`, the system implementation `store::clock::SystemClock`.

use domain::Random;

pub use domain::Clock;
pub use store::clock::SystemClock;

/// A thread-safe source of random bytes; [`RandomSource::rng`] adapts it to the domain's
/// [`Random`].
pub trait RandomSource: Send + Sync + 'static {
    fn fill(&self, dest: &mut [u8]);
}

impl dyn RandomSource {
    pub fn rng(&self) -> impl Random + '_ {
        Adapter(self)
    }

    pub fn bytes<const N: usize>(&self) -> [u8; N] {
        let mut out = [0u8; N];
        self.fill(&mut out);
        out
    }
}

struct Adapter<'a>(&'a dyn RandomSource);

impl Random for Adapter<'_> {
    fn fill(&mut self, dest: &mut [u8]) {
        self.0.fill(dest)
    }
}

/// The operating system's CSPRNG through aws-lc; should it ever fail, rand's thread-local
/// CSPRNG (seeded from the OS) fills in.
#[derive(Debug, Default)]
pub struct SystemRandom(aws_lc_rs::rand::SystemRandom);

impl SystemRandom {
    pub fn new() -> Self {
        Self(aws_lc_rs::rand::SystemRandom::new())
    }
}

impl RandomSource for SystemRandom {
    fn fill(&self, dest: &mut [u8]) {
        use aws_lc_rs::rand::SecureRandom;
        if self.0.fill(dest).is_err() {
            use rand::RngCore;
            rand::thread_rng().fill_bytes(dest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_random_fills_and_differs() {
        let source: &dyn RandomSource = &SystemRandom::new();
        let a: [u8; 16] = source.bytes();
        let b: [u8; 16] = source.bytes();
        assert_ne!(a, b);
        let id = domain::StandardId::generate(&mut source.rng());
        assert_eq!(id.as_str().len(), 21);
    }
}

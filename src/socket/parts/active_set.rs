//! The pipe bookkeeping shared by fair queueing and load balancing: a list of pipe indices
//! whose first `active` entries are the pipes that may be used now, with a round-robin
//! cursor over that active region.

#[derive(Default)]
pub struct ActiveSet {
    /// Pipe indices; the first `active` are usable.
    pipes: Vec<usize>,
    active: usize,
    current: usize,
}

/// Where a detached pipe stood just before it was removed.
pub struct Detached {
    /// It was the pipe under the cursor.
    pub current: bool,
    /// It was in the active region.
    pub active: bool,
}

impl ActiveSet {
    /// Adds pipe `i`, active.
    pub fn attach(&mut self, i: usize) {
        self.pipes.push(i);
        let last = self.pipes.len() - 1;
        self.pipes.swap(self.active, last);
        self.active += 1;
    }

    /// Removes pipe `i`; None if it was not here.
    pub fn detach(&mut self, i: usize) -> Option<Detached> {
        let mut pos = self.pipes.iter().position(|&p| p == i)?;
        let detached = Detached {
            current: pos == self.current,
            active: pos < self.active,
        };
        if detached.active {
            self.active -= 1;
            self.pipes.swap(pos, self.active);
            if self.current == self.active {
                self.current = 0;
            }
            pos = self.active;
        }
        // pos is in the inactive region, as is the last element: the active region stays.
        self.pipes.swap_remove(pos);
        Some(detached)
    }

    /// Moves pipe `i` into the active region (if it is here and not there already).
    pub fn activated(&mut self, i: usize) {
        if let Some(pos) = self.pipes.iter().position(|&p| p == i) {
            if pos >= self.active {
                self.pipes.swap(pos, self.active);
                self.active += 1;
            }
        }
    }

    /// Moves the pipe under the cursor out of the active region.
    pub fn deactivate_current(&mut self) {
        self.active -= 1;
        self.pipes.swap(self.current, self.active);
        if self.current == self.active {
            self.current = 0;
        }
    }

    /// Whether the pipe under the cursor passes `ready`; those that fail leave the active
    /// region in turn, until one passes or none is left.
    pub fn any_ready(&mut self, mut ready: impl FnMut(usize) -> bool) -> bool {
        while let Some(i) = self.current() {
            if ready(i) {
                return true;
            }
            self.deactivate_current();
        }
        false
    }

    /// The pipe under the cursor, if any pipe is active.
    #[inline]
    pub fn current(&self) -> Option<usize> {
        (self.active > 0).then(|| self.pipes[self.current])
    }

    /// Moves the cursor to the next active pipe (there is at least one).
    #[inline]
    pub fn advance(&mut self) {
        // No division: this runs once per message.
        self.current += 1;
        if self.current >= self.active {
            self.current = 0;
        }
    }

    pub fn len(&self) -> usize {
        self.pipes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pipes.is_empty()
    }
}

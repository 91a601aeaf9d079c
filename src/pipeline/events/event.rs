//! One event and its texts: an event is 40 bytes, its type, actor, role and note codes into
//! the [`Texts`] of its log, which each distinct text is stored in once. Readers see an
//! event with its texts as an [`EventRef`].

use rustc_hash::FxHashMap;

use crate::model::{Origin, Str};
use crate::time::Ts;

/// One event: 40 bytes, its texts (type, actor, role, …) as codes into its log's [`Texts`].
/// An event log keeps its events in a scratch file (`store.rs`, 36 bytes each) and holds
/// them as this struct a window of complaints at a time.
#[derive(Debug, Clone)]
pub struct Event {
    /// When.
    pub at: Ts,
    /// Where it is: an event-log row, or (for snapshot events) the complaint's row.
    pub origin: Origin,
    /// The canonical type's code, with [`DERIVED`] set for an event derived from a timestamp
    /// column rather than read from an event log.
    pub(super) kind: u32,
    /// Who acted, their role or post, the role an escalation or referral went to, and free
    /// text: codes of [`Texts::words`], `0` for a blank.
    pub(super) actor: u32,
    pub(super) role: u32,
    pub(super) to_role: u32,
    pub(super) note: u32,
}

impl Event {
    /// A placeholder, overwritten before it is read (a partition's events are sorted into a
    /// vector of these).
    pub(super) const EMPTY: Event = Event {
        at: 0,
        origin: Origin {
            file: 0,
            line: 0,
            record: 0,
        },
        kind: 0,
        actor: 0,
        role: 0,
        to_role: 0,
        note: 0,
    };
}

/// The bit of [`Event::kind`] that marks a derived event.
pub(super) const DERIVED: u32 = 1 << 31;

/// The texts of a log's events, each distinct text once: event types, and every other text
/// (actors, roles, notes), whose code `0` is a blank.
#[derive(Debug, Clone)]
pub struct Texts {
    pub(super) kinds: Vec<Str>,
    pub(super) words: Vec<Str>,
}

impl Default for Texts {
    fn default() -> Texts {
        Texts {
            kinds: Vec::new(),
            words: vec![Str::new()],
        }
    }
}

/// Builds a [`Texts`]: each text is stored once and gets the next code.
#[derive(Debug, Default)]
pub struct TextsBuilder {
    texts: Texts,
    // Keyed by the table's own strings (a reference count, not a copy: `Str` hashes and
    // compares as its text), so a log of distinct notes holds each note once.
    kinds: FxHashMap<Str, u32>,
    words: FxHashMap<Str, u32>,
}

impl TextsBuilder {
    /// The code of an event type.
    pub fn kind(&mut self, k: &str) -> u32 {
        Self::code(&mut self.kinds, &mut self.texts.kinds, k, 0, || {
            Str::from(k)
        })
    }

    /// The code of a text, `0` for none.
    pub fn word(&mut self, w: Option<&str>) -> u32 {
        w.map_or(0, |w| {
            Self::code(&mut self.words, &mut self.texts.words, w, 1, || {
                Str::from(w)
            })
        })
    }

    fn code(
        index: &mut FxHashMap<Str, u32>,
        table: &mut Vec<Str>,
        t: &str,
        base: u32,
        owned: impl FnOnce() -> Str,
    ) -> u32 {
        if let Some(&c) = index.get(t) {
            return c;
        }
        // A code is below 2^31 (the top bit of a kind marks a derived event): more distinct
        // texts than that would not fit in memory as strings either.
        let c = u32::try_from(index.len()).expect("fewer than 2^31 distinct texts") + base;
        assert!(c < DERIVED, "fewer than 2^31 distinct texts");
        let t = owned();
        table.push(t.clone());
        index.insert(t, c);
        c
    }

    /// Takes in the texts of another builder (a chunk's), returning how its codes map to
    /// this builder's: (kinds, words).
    pub(super) fn absorb(&mut self, other: Texts) -> (Vec<u32>, Vec<u32>) {
        // A text new here is the chunk's own string, shared (a reference count, no copy).
        let kinds = other
            .kinds
            .iter()
            .map(|k| Self::code(&mut self.kinds, &mut self.texts.kinds, k, 0, || k.clone()))
            .collect();
        let words =
            std::iter::once(0)
                .chain(other.words[1..].iter().map(|w| {
                    Self::code(&mut self.words, &mut self.texts.words, w, 1, || w.clone())
                }))
                .collect();
        (kinds, words)
    }

    /// The texts built.
    pub fn finish(self) -> Texts {
        self.texts
    }

    /// An event of these texts (for tests: the event stage codes an event's type once per
    /// operation name and builds the event itself).
    #[cfg(test)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn event(
        &mut self,
        kind: &str,
        at: Ts,
        actor: Option<&str>,
        role: Option<&str>,
        to_role: Option<&str>,
        note: Option<&str>,
        origin: Origin,
        derived: bool,
    ) -> Event {
        Event {
            at,
            origin,
            kind: self.kind(kind) | if derived { DERIVED } else { 0 },
            actor: self.word(actor),
            role: self.word(role),
            to_role: self.word(to_role),
            note: self.word(note),
        }
    }
}

impl Event {
    /// True when derived from a timestamp column rather than read from an event log.
    pub fn derived(&self) -> bool {
        self.kind & DERIVED != 0
    }

    /// The event with its texts' codes mapped by `remap` (kinds, words).
    pub(super) fn remapped(mut self, (kinds, words): &(Vec<u32>, Vec<u32>)) -> Event {
        self.kind = kinds[(self.kind & !DERIVED) as usize] | (self.kind & DERIVED);
        for w in [
            &mut self.actor,
            &mut self.role,
            &mut self.to_role,
            &mut self.note,
        ] {
            *w = words[*w as usize];
        }
        self
    }
}

/// An event with the texts it is read with.
#[derive(Debug, Clone, Copy)]
pub struct EventRef<'a> {
    pub(super) event: &'a Event,
    pub(super) texts: &'a Texts,
}

impl std::ops::Deref for EventRef<'_> {
    type Target = Event;
    fn deref(&self) -> &Event {
        self.event
    }
}

impl<'a> EventRef<'a> {
    fn word(&self, code: u32) -> Option<&'a Str> {
        (code != 0).then(|| &self.texts.words[code as usize])
    }

    /// Canonical type.
    pub fn kind(&self) -> &'a Str {
        &self.texts.kinds[(self.event.kind & !DERIVED) as usize]
    }

    /// Who acted.
    pub fn actor(&self) -> Option<&'a Str> {
        self.word(self.event.actor)
    }

    /// Their role or post.
    pub fn role(&self) -> Option<&'a Str> {
        self.word(self.event.role)
    }

    /// For escalations and referrals: the role it went to.
    pub fn to_role(&self) -> Option<&'a Str> {
        self.word(self.event.to_role)
    }

    /// Free text.
    pub fn note(&self) -> Option<&'a Str> {
        self.word(self.event.note)
    }
}

/// A run of events (one complaint's, or a whole log's) with their texts.
#[derive(Debug, Clone, Copy)]
pub struct Events<'a> {
    pub(super) events: &'a [Event],
    pub(super) texts: &'a Texts,
}

impl<'a> Events<'a> {
    /// No events.
    pub fn empty() -> Events<'static> {
        static NONE: std::sync::LazyLock<Texts> = std::sync::LazyLock::new(Texts::default);
        Events {
            events: &[],
            texts: &NONE,
        }
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The events in order.
    pub fn iter(&self) -> <Events<'a> as IntoIterator>::IntoIter {
        self.into_iter()
    }
}

impl<'a> IntoIterator for Events<'a> {
    type Item = EventRef<'a>;
    type IntoIter = std::iter::Map<
        std::iter::Zip<std::slice::Iter<'a, Event>, std::iter::Repeat<&'a Texts>>,
        fn((&'a Event, &'a Texts)) -> EventRef<'a>,
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.events
            .iter()
            .zip(std::iter::repeat(self.texts))
            .map(|(event, texts)| EventRef { event, texts })
    }
}

/// Events that own their texts: a complaint's events derived from its timestamp columns
/// ([`OwnedEvents::snapshot_of`]), or events built one by one ([`TextsBuilder::event`]).
#[derive(Debug, Clone, Default)]
pub struct OwnedEvents {
    pub(super) events: Vec<Event>,
    pub(super) texts: Texts,
    /// Handlers' names as shared strings, by code ([`OwnedEvents::snapshot_of`]): made once
    /// per name, not once per complaint. Bounded (emptied past [`OwnedEvents::NAMES`]).
    pub(super) names: rustc_hash::FxHashMap<crate::model::Code, crate::model::Str>,
}

impl OwnedEvents {
    /// Events built with `texts` (for tests).
    #[cfg(test)]
    pub(crate) fn new(events: Vec<Event>, texts: TextsBuilder) -> OwnedEvents {
        OwnedEvents {
            events,
            texts: texts.finish(),
            names: Default::default(),
        }
    }

    /// The events.
    pub fn events(&self) -> Events<'_> {
        Events {
            events: &self.events,
            texts: &self.texts,
        }
    }
}

//! Deterministic plan generator: nested epics → stories → tasks with dependencies inside and
//! across stories and epics, and 2–3 board fields per item (`defaults.fields` Status plus one or
//! two of the item's own), written as planpilot's native nested YAML.
//!
//! The same shape and seed always give the same file, so runs are comparable over time.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// How many items a plan has at each level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub epics: usize,
    pub stories_per_epic: usize,
    pub tasks_per_story: usize,
}

impl Shape {
    pub fn stories(&self) -> usize {
        self.epics * self.stories_per_epic
    }

    pub fn tasks(&self) -> usize {
        self.stories() * self.tasks_per_story
    }

    pub fn items(&self) -> usize {
        self.epics + self.stories() + self.tasks()
    }
}

/// A board field value as the plan writes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Field {
    Text(String),
    Number(f64),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Defaults {
    pub labels: Vec<String>,
    pub fields: BTreeMap<String, Field>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    pub fields: BTreeMap<String, Field>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Story {
    pub id: String,
    pub title: String,
    pub goal: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    pub fields: BTreeMap<String, Field>,
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Epic {
    pub id: String,
    pub title: String,
    pub goal: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    pub fields: BTreeMap<String, Field>,
    pub stories: Vec<Story>,
}

/// A generated plan file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanFile {
    pub version: u32,
    pub id: String,
    pub defaults: Defaults,
    pub epics: Vec<Epic>,
}

/// Probabilities of each kind of dependency (chosen so a 100-task plan has all kinds).
const TASK_DEP_IN_STORY: f64 = 0.5;
const TASK_DEP_ACROSS_STORIES: f64 = 0.2;
const TASK_DEP_ACROSS_EPICS: f64 = 0.1;
const STORY_DEP: f64 = 0.25;
const EPIC_DEP: f64 = 0.4;

const WORDS: [&str; 16] = [
    "checkout",
    "search",
    "billing",
    "onboarding",
    "reports",
    "export",
    "alerts",
    "sync",
    "profile",
    "audit",
    "cache",
    "import",
    "payments",
    "tracking",
    "invites",
    "settings",
];
const PRIORITIES: [&str; 3] = ["P0", "P1", "P2"];
const SIZES: [&str; 5] = ["XS", "S", "M", "L", "XL"];
const ITERATIONS: [&str; 2] = ["@current", "@next"];

/// SplitMix64: a tiny, fully specified PRNG, so a seed means the same plan in every version
/// (library PRNGs do not promise stable streams across releases).
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn chance(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

/// Generates a plan of the given shape. Every dependency points to an item generated earlier,
/// so the dependency graph has no cycle by construction.
pub fn generate(shape: Shape, seed: u64) -> PlanFile {
    let mut rng = Rng(seed);
    let mut epics = Vec::with_capacity(shape.epics);
    // Task ids per epic, per story: the pools dependencies are drawn from.
    let mut task_ids: Vec<Vec<Vec<String>>> = Vec::with_capacity(shape.epics);
    let mut story_no = 0;
    let mut task_no = 0;
    for e in 0..shape.epics {
        let epic_id = format!("E{}", e + 1);
        let mut stories = Vec::with_capacity(shape.stories_per_epic);
        let mut epic_tasks: Vec<Vec<String>> = Vec::with_capacity(shape.stories_per_epic);
        for s in 0..shape.stories_per_epic {
            story_no += 1;
            let story_id = format!("S{story_no}");
            let mut tasks = Vec::with_capacity(shape.tasks_per_story);
            let mut story_tasks: Vec<String> = Vec::with_capacity(shape.tasks_per_story);
            for t in 0..shape.tasks_per_story {
                task_no += 1;
                let id = format!("T{task_no}");
                let mut depends_on = Vec::new();
                if t > 0 && rng.chance() < TASK_DEP_IN_STORY {
                    depends_on.push(story_tasks[rng.below(t)].clone());
                }
                if s > 0 && rng.chance() < TASK_DEP_ACROSS_STORIES {
                    let story = &epic_tasks[rng.below(s)];
                    push_unique(&mut depends_on, pick_id(&mut rng, story));
                }
                if e > 0 && rng.chance() < TASK_DEP_ACROSS_EPICS {
                    let epic = &task_ids[rng.below(e)];
                    let story = &epic[rng.below(epic.len())];
                    push_unique(&mut depends_on, pick_id(&mut rng, story));
                }
                let word = rng.pick(&WORDS);
                tasks.push(Task {
                    title: format!("{id}: implement {word} step {}", t + 1),
                    description: format!("Part {} of story {story_id}.", t + 1),
                    depends_on,
                    fields: task_fields(&mut rng),
                    id: id.clone(),
                });
                story_tasks.push(id);
            }
            let mut depends_on = Vec::new();
            if s > 0 && rng.chance() < STORY_DEP {
                depends_on.push(stories_id(story_no - 1 - rng.below(s)));
            }
            let word = rng.pick(&WORDS);
            stories.push(Story {
                title: format!("{story_id}: {word} for users"),
                goal: format!("Users can rely on {word}."),
                depends_on,
                fields: story_fields(&mut rng),
                tasks,
                id: story_id,
            });
            epic_tasks.push(story_tasks);
        }
        let mut depends_on = Vec::new();
        if e > 0 && rng.chance() < EPIC_DEP {
            depends_on.push(format!("E{}", rng.below(e) + 1));
        }
        let word = rng.pick(&WORDS);
        epics.push(Epic {
            title: format!("{epic_id}: {word} overhaul"),
            goal: format!("Ship the {word} overhaul."),
            depends_on,
            fields: epic_fields(&mut rng),
            stories,
            id: epic_id,
        });
        task_ids.push(epic_tasks);
    }
    PlanFile {
        version: 1,
        id: format!(
            "bench-{}-{}-{}",
            shape.epics,
            shape.stories(),
            shape.tasks()
        ),
        defaults: Defaults {
            labels: vec!["roadmap".to_string()],
            fields: BTreeMap::from([("Status".to_string(), text("Todo"))]),
        },
        epics,
    }
}

fn stories_id(number: usize) -> String {
    format!("S{number}")
}

fn pick_id(rng: &mut Rng, ids: &[String]) -> String {
    ids[rng.below(ids.len())].clone()
}

fn push_unique(ids: &mut Vec<String>, id: String) {
    if !ids.contains(&id) {
        ids.push(id);
    }
}

fn text(value: &str) -> Field {
    Field::Text(value.to_string())
}

/// Epics: Priority, sometimes a start date.
fn epic_fields(rng: &mut Rng) -> BTreeMap<String, Field> {
    let mut fields = BTreeMap::from([("Priority".to_string(), text(rng.pick(&PRIORITIES)))]);
    if rng.chance() < 0.5 {
        let day = 1 + rng.below(28);
        fields.insert("Start date".to_string(), text(&format!("2026-12-{day:02}")));
    }
    fields
}

/// Stories: an iteration, sometimes a priority.
fn story_fields(rng: &mut Rng) -> BTreeMap<String, Field> {
    let mut fields = BTreeMap::from([("Iteration".to_string(), text(rng.pick(&ITERATIONS)))]);
    if rng.chance() < 0.5 {
        fields.insert("Priority".to_string(), text(rng.pick(&PRIORITIES)));
    }
    fields
}

/// Tasks: a size, sometimes an estimate or a note.
fn task_fields(rng: &mut Rng) -> BTreeMap<String, Field> {
    let mut fields = BTreeMap::from([("Size".to_string(), text(rng.pick(&SIZES)))]);
    match rng.below(3) {
        0 => {
            fields.insert(
                "Estimate".to_string(),
                Field::Number((1 + rng.below(8)) as f64),
            );
        }
        1 => {
            fields.insert("Notes".to_string(), text("Generated for the benchmark"));
        }
        _ => {}
    }
    fields
}

impl PlanFile {
    /// The plan as nested YAML, the form users write.
    pub fn to_yaml(&self) -> anyhow::Result<String> {
        Ok(serde_yaml::to_string(self)?)
    }

    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.epics
            .iter()
            .flat_map(|e| e.stories.iter())
            .flat_map(|s| s.tasks.iter())
    }

    pub fn item_count(&self) -> usize {
        self.epics
            .iter()
            .map(|e| 1 + e.stories.iter().map(|s| 1 + s.tasks.len()).sum::<usize>())
            .sum()
    }

    pub fn dependency_count(&self) -> usize {
        let epics: usize = self.epics.iter().map(|e| e.depends_on.len()).sum();
        let stories: usize = self
            .epics
            .iter()
            .flat_map(|e| e.stories.iter())
            .map(|s| s.depends_on.len())
            .sum();
        epics + stories + self.tasks().map(|t| t.depends_on.len()).sum::<usize>()
    }

    /// Blocked-by links the plan implies, as the README states the rule: each `depends_on`
    /// links its two items, and where their chains (item, story, epic) hold different stories
    /// or epics, those are linked too; same level only, each pair once, none on an item's own
    /// ancestor. Written here from the plan's shape, apart from planpilot's code, so the
    /// benchmark's minimum does not take planpilot's word for it.
    pub fn implied_link_count(&self) -> usize {
        // Each item's chain: (item, story, epic).
        let mut chains: BTreeMap<&str, (&str, Option<&str>, &str)> = BTreeMap::new();
        let mut declared: Vec<(&str, &str)> = Vec::new();
        for epic in &self.epics {
            chains.insert(&epic.id, (&epic.id, None, &epic.id));
            declared.extend(
                epic.depends_on
                    .iter()
                    .map(|d| (epic.id.as_str(), d.as_str())),
            );
            for story in &epic.stories {
                chains.insert(&story.id, (&story.id, Some(&story.id), &epic.id));
                declared.extend(
                    story
                        .depends_on
                        .iter()
                        .map(|d| (story.id.as_str(), d.as_str())),
                );
                for task in &story.tasks {
                    chains.insert(&task.id, (&task.id, Some(&story.id), &epic.id));
                    declared.extend(
                        task.depends_on
                            .iter()
                            .map(|d| (task.id.as_str(), d.as_str())),
                    );
                }
            }
        }
        let mut links = BTreeSet::new();
        for (item, dependency) in declared {
            let (Some(from), Some(to)) = (chains.get(item), chains.get(dependency)) else {
                continue;
            };
            let holds = |c: &(&str, Option<&str>, &str), id: &str| {
                c.0 == id || c.1 == Some(id) || c.2 == id
            };
            if holds(from, to.0) || holds(to, from.0) {
                continue;
            }
            let pairs = [Some((from.0, to.0)), from.1.zip(to.1), Some((from.2, to.2))];
            for (blocked, blocker) in pairs.into_iter().flatten() {
                if blocked != blocker {
                    links.insert((blocked, blocker));
                }
            }
        }
        links.len()
    }

    /// Board fields set per item on creation, counting `defaults.fields`.
    pub fn field_count(&self) -> usize {
        let defaults = self.defaults.fields.len();
        let epics: usize = self.epics.iter().map(|e| e.fields.len() + defaults).sum();
        let stories: usize = self
            .epics
            .iter()
            .flat_map(|e| e.stories.iter())
            .map(|s| s.fields.len() + defaults)
            .sum();
        let tasks: usize = self.tasks().map(|t| t.fields.len() + defaults).sum();
        epics + stories + tasks
    }

    /// Changes the title of the `index`-th task (in file order): the "edit one title" scenario.
    /// Returns the task's id, or `None` when there is no such task.
    pub fn retitle_task(&mut self, index: usize) -> Option<String> {
        let task = self
            .epics
            .iter_mut()
            .flat_map(|e| e.stories.iter_mut())
            .flat_map(|s| s.tasks.iter_mut())
            .nth(index)?;
        task.title.push_str(" (renamed)");
        Some(task.id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    const BASE: Shape = Shape {
        epics: 5,
        stories_per_epic: 4,
        tasks_per_story: 4,
    };

    /// Where each item sits: (epic index, story index within the plan or None).
    fn positions(plan: &PlanFile) -> HashMap<String, (usize, Option<usize>)> {
        let mut at = HashMap::new();
        let mut story_index = 0;
        for (e, epic) in plan.epics.iter().enumerate() {
            at.insert(epic.id.clone(), (e, None));
            for story in &epic.stories {
                at.insert(story.id.clone(), (e, Some(story_index)));
                for task in &story.tasks {
                    at.insert(task.id.clone(), (e, Some(story_index)));
                }
                story_index += 1;
            }
        }
        at
    }

    fn task(id: &str, deps: &[&str]) -> Task {
        Task {
            id: id.into(),
            title: id.into(),
            description: String::new(),
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            fields: BTreeMap::new(),
        }
    }

    fn story(id: &str, tasks: Vec<Task>) -> Story {
        Story {
            id: id.into(),
            title: id.into(),
            goal: String::new(),
            depends_on: Vec::new(),
            fields: BTreeMap::new(),
            tasks,
        }
    }

    fn epic(id: &str, deps: &[&str], stories: Vec<Story>) -> Epic {
        Epic {
            id: id.into(),
            title: id.into(),
            goal: String::new(),
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            fields: BTreeMap::new(),
            stories,
        }
    }

    #[test]
    fn implied_links_follow_the_readmes_rule() {
        // "T-4 (S-3, E-2) depends on T-3 (S-2, E-1)" → T-4←T-3, S-3←S-2, E-2←E-1; "E-2 depends
        // on E-1" adds nothing new; "T-2 depends on T-1" (one story) links only the tasks;
        // "T-5 depends on its own epic" implies nothing.
        let plan = PlanFile {
            version: 1,
            id: "rule".into(),
            defaults: Defaults {
                labels: Vec::new(),
                fields: BTreeMap::new(),
            },
            epics: vec![
                epic(
                    "E-1",
                    &[],
                    vec![
                        story("S-1", vec![task("T-1", &[]), task("T-2", &["T-1"])]),
                        story("S-2", vec![task("T-3", &[])]),
                    ],
                ),
                epic(
                    "E-2",
                    &["E-1"],
                    vec![story(
                        "S-3",
                        vec![task("T-4", &["T-3"]), task("T-5", &["E-2"])],
                    )],
                ),
            ],
        };
        assert_eq!(plan.implied_link_count(), 4);
    }

    #[test]
    fn shape_sets_the_counts() {
        let plan = generate(BASE, 7);
        assert_eq!(plan.epics.len(), 5);
        assert!(plan.epics.iter().all(|e| e.stories.len() == 4));
        assert_eq!(plan.tasks().count(), 80);
        assert_eq!(plan.item_count(), 105);
        assert_eq!(BASE.items(), 105);
    }

    #[test]
    fn same_seed_same_plan_other_seed_other_plan() {
        assert_eq!(generate(BASE, 42), generate(BASE, 42));
        assert_ne!(generate(BASE, 42), generate(BASE, 43));
    }

    #[test]
    fn ids_are_unique_and_dependencies_point_backwards() {
        let plan = generate(BASE, 1);
        let mut order = Vec::new();
        for epic in &plan.epics {
            for story in &epic.stories {
                order.extend(story.tasks.iter().map(|t| (&t.id, &t.depends_on)));
            }
        }
        let mut seen = HashSet::new();
        for (id, deps) in order {
            for dep in deps {
                assert!(
                    seen.contains(dep),
                    "{id} depends on {dep}, not generated before"
                );
                assert_ne!(dep, id);
            }
            assert!(seen.insert(id.clone()), "duplicate id {id}");
        }
    }

    #[test]
    fn dependencies_exist_inside_and_across_stories_and_epics() {
        let plan = generate(BASE, 1);
        let at = positions(&plan);
        let (mut inside, mut across_stories, mut across_epics) = (0, 0, 0);
        for task in plan.tasks() {
            let (epic, story) = at[&task.id];
            for dep in &task.depends_on {
                let (dep_epic, dep_story) = at[dep];
                if dep_epic != epic {
                    across_epics += 1;
                } else if dep_story != story {
                    across_stories += 1;
                } else {
                    inside += 1;
                }
            }
        }
        assert!(inside > 0 && across_stories > 0 && across_epics > 0);
        assert!(plan.epics.iter().any(|e| !e.depends_on.is_empty()));
        assert_eq!(
            plan.dependency_count(),
            inside + across_stories + across_epics + epic_and_story_deps(&plan)
        );
    }

    fn epic_and_story_deps(plan: &PlanFile) -> usize {
        plan.epics
            .iter()
            .map(|e| {
                e.depends_on.len() + e.stories.iter().map(|s| s.depends_on.len()).sum::<usize>()
            })
            .sum()
    }

    #[test]
    fn every_item_gets_two_or_three_board_fields() {
        let plan = generate(BASE, 3);
        let defaults = plan.defaults.fields.len();
        assert_eq!(defaults, 1);
        for epic in &plan.epics {
            assert!((1..=2).contains(&epic.fields.len()), "{}", epic.id);
            for story in &epic.stories {
                assert!((1..=2).contains(&story.fields.len()), "{}", story.id);
                for task in &story.tasks {
                    assert!((1..=2).contains(&task.fields.len()), "{}", task.id);
                }
            }
        }
        let per_item = plan.field_count() as f64 / plan.item_count() as f64;
        assert!((2.0..=3.0).contains(&per_item));
    }

    #[test]
    fn yaml_is_nested_and_keeps_every_item() {
        let plan = generate(BASE, 5);
        let yaml = plan.to_yaml().unwrap();
        let value: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
        let epics = value["epics"].as_sequence().unwrap();
        assert_eq!(epics.len(), 5);
        let tasks = epics[0]["stories"][0]["tasks"].as_sequence().unwrap();
        assert_eq!(tasks.len(), 4);
        assert_eq!(value["defaults"]["fields"]["Status"].as_str(), Some("Todo"));
        assert_eq!(yaml.matches("- id: T").count(), 80);
    }

    #[test]
    fn retitle_changes_exactly_one_task() {
        let original = generate(BASE, 9);
        let mut edited = original.clone();
        let id = edited.retitle_task(10).unwrap();
        let changed: Vec<_> = original
            .tasks()
            .zip(edited.tasks())
            .filter(|(a, b)| a != b)
            .map(|(_, b)| b.id.clone())
            .collect();
        assert_eq!(changed, vec![id]);
        assert!(edited.retitle_task(80).is_none());
    }
}

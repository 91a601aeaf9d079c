//! Fixed vocabularies: projects, teams, roles, channels, name parts and the
//! complaint-text templates. Everything here is invented for the sample; the
//! complaint wording uses the keyword phrases of the domain brief (§3.1–§3.3)
//! verbatim so that keyword classification has real evidence to find.
//!
//! Every string here must be encodable in GBK (checked by a test), so no
//! emoji and no characters outside GBK.

/// Export columns of the complaint log, in order.
pub(crate) const COMPLAINT_HEADER: [&str; 24] = [
    "投诉编号",
    "投诉时间",
    "受理时间",
    "派单时间",
    "到场时间",
    "处理完成时间",
    "回复时间",
    "回访时间",
    "关闭时间",
    "项目名称",
    "楼栋",
    "房号",
    "投诉人",
    "联系电话",
    "投诉渠道",
    "投诉类别",
    "紧急程度",
    "投诉内容",
    "责任班组",
    "处理人",
    "满意度",
    "状态",
    "业主要求完成时间",
    "备注",
];

/// Columns of the event log.
pub(crate) const EVENT_HEADER: [&str; 7] = [
    "投诉编号",
    "操作时间",
    "操作类型",
    "操作人",
    "岗位",
    "升级至岗位",
    "备注",
];

/// Columns of the staff roster.
pub(crate) const ROSTER_HEADER: [&str; 3] = ["姓名", "班组", "岗位"];

/// Column indexes of the complaint export.
pub(crate) const COL_RECEIPT: usize = 1;
pub(crate) const COL_SATISFACTION: usize = 20;
pub(crate) const COL_DEADLINE: usize = 22;
/// The eight lifecycle stage columns are 1..=8 (投诉时间 … 关闭时间).
pub(crate) const STAGE_COLS: usize = 8;

/// Whether a complaint-export column holds timestamps (stage times and the
/// owner's requested deadline).
pub(crate) fn is_time_column(col: usize) -> bool {
    (COL_RECEIPT..=STAGE_COLS).contains(&col) || col == COL_DEADLINE
}

/// The responsible teams (责任班组). Order matters: it is the roster order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Team {
    Service,
    Repair1,
    Repair2,
    Cleaning,
    Greening,
    Security,
    Lift,
}

impl Team {
    pub(crate) const ALL: [Team; 7] = [
        Team::Service,
        Team::Repair1,
        Team::Repair2,
        Team::Cleaning,
        Team::Greening,
        Team::Security,
        Team::Lift,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Team::Service => "客服组",
            Team::Repair1 => "维修一班",
            Team::Repair2 => "维修二班",
            Team::Cleaning => "保洁组",
            Team::Greening => "绿化组",
            Team::Security => "秩序维护组",
            Team::Lift => "电梯维保组",
        }
    }

    /// 备注 of the 派单 event.
    pub(crate) fn dispatch_remark(self) -> &'static str {
        match self {
            Team::Service => "派单至客服组",
            Team::Repair1 => "派单至维修一班",
            Team::Repair2 => "派单至维修二班",
            Team::Cleaning => "派单至保洁组",
            Team::Greening => "派单至绿化组",
            Team::Security => "派单至秩序维护组",
            Team::Lift => "派单至电梯维保组",
        }
    }

    /// The front-line role of the team's members.
    pub(crate) fn worker_role(self) -> Role {
        match self {
            Team::Service => Role::ServiceRep,
            Team::Repair1 | Team::Repair2 => Role::Repairer,
            Team::Cleaning => Role::Cleaner,
            Team::Greening => Role::Gardener,
            Team::Security => Role::Guard,
            Team::Lift => Role::LiftTech,
        }
    }

    /// Members besides the team leader (and, for 客服组, the supervisors).
    pub(crate) fn workers(self) -> usize {
        match self {
            Team::Service => 10,
            Team::Repair1 => 8,
            Team::Repair2 => 6,
            Team::Cleaning => 10,
            Team::Greening => 5,
            Team::Security => 12,
            Team::Lift => 5,
        }
    }

    /// Multiplier on handling delays. 维修二班 is deliberately the slowest so a
    /// red/black list (红黑榜) has a clear bottom entry.
    pub(crate) fn slowness(self) -> f64 {
        match self {
            Team::Service => 1.0,
            Team::Repair1 => 0.85,
            Team::Repair2 => 1.6,
            Team::Cleaning => 0.95,
            Team::Greening => 1.15,
            Team::Security => 0.9,
            Team::Lift => 1.05,
        }
    }

    /// Probability that a complaint falls in the slow tail (an SLA breach).
    pub(crate) fn tail(self) -> f64 {
        match self {
            Team::Service => 0.06,
            Team::Repair1 => 0.05,
            Team::Repair2 => 0.22,
            Team::Cleaning => 0.07,
            Team::Greening => 0.10,
            Team::Security => 0.06,
            Team::Lift => 0.08,
        }
    }

    /// Probability that a given ISO week is a "bad week" for the team (staff
    /// shortage): delays double and most complaints breach, which is what
    /// produces runs of ≥ 3 consecutive overdue complaints.
    pub(crate) fn bad_week(self) -> f64 {
        match self {
            Team::Repair2 => 0.30,
            Team::Greening => 0.08,
            _ => 0.04,
        }
    }
}

/// Roles (岗位) used in the roster and the event log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Role {
    ServiceRep,
    ServiceLead,
    ProjectManager,
    GeneralManager,
    PropertyDirector,
    TeamLeader,
    Repairer,
    Cleaner,
    Gardener,
    Guard,
    LiftTech,
    HrClerk,
}

impl Role {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Role::ServiceRep => "客服专员",
            Role::ServiceLead => "客服主管",
            Role::ProjectManager => "项目经理",
            Role::GeneralManager => "总经理",
            Role::PropertyDirector => "物业总监",
            Role::TeamLeader => "班组长",
            Role::Repairer => "维修工",
            Role::Cleaner => "保洁员",
            Role::Gardener => "绿化工",
            Role::Guard => "秩序维护员",
            Role::LiftTech => "电梯维保员",
            Role::HrClerk => "行政人事专员",
        }
    }
}

/// How a project's export spells the room number.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RoomStyle {
    /// `1802`: floor and room.
    Plain,
    /// `3-2-501`: building, unit, floor and room.
    Dashed,
}

/// A residential project (小区) managed by the company.
#[derive(Debug)]
pub(crate) struct Project {
    pub(crate) name: &'static str,
    pub(crate) building_prefix: &'static str,
    pub(crate) buildings: u32,
    pub(crate) building_suffix: &'static str,
    pub(crate) units: u32,
    pub(crate) floors: u32,
    pub(crate) rooms_per_floor: u32,
    pub(crate) room_style: RoomStyle,
    /// Relative complaint volume.
    pub(crate) weight: f64,
    /// Multiplier on lift topics: 锦绣华庭 has an old lift fleet (hotspot),
    /// 云栖山庄 is low-rise without lifts.
    pub(crate) lift_factor: f64,
    /// Severity vocabulary its staff mostly use: 0 = 紧急/一般/建议/重要,
    /// 1 = Ⅰ级/Ⅱ级/Ⅲ级, 2 = I/II/III.
    pub(crate) level_scheme: usize,
    /// Which repair team serves it.
    pub(crate) repair: Team,
}

pub(crate) const PROJECTS: [Project; 6] = [
    Project {
        name: "翠湖花园",
        building_prefix: "",
        buildings: 12,
        building_suffix: "栋",
        units: 2,
        floors: 18,
        rooms_per_floor: 2,
        room_style: RoomStyle::Plain,
        weight: 1.6,
        lift_factor: 1.0,
        level_scheme: 0,
        repair: Team::Repair1,
    },
    Project {
        name: "金桂苑",
        building_prefix: "",
        buildings: 8,
        building_suffix: "栋",
        units: 3,
        floors: 11,
        rooms_per_floor: 2,
        room_style: RoomStyle::Dashed,
        weight: 0.7,
        lift_factor: 1.0,
        level_scheme: 0,
        repair: Team::Repair2,
    },
    Project {
        name: "滨江壹号",
        building_prefix: "A",
        buildings: 6,
        building_suffix: "座",
        units: 1,
        floors: 32,
        rooms_per_floor: 4,
        room_style: RoomStyle::Plain,
        weight: 0.9,
        lift_factor: 0.8,
        level_scheme: 1,
        repair: Team::Repair1,
    },
    Project {
        name: "锦绣华庭",
        building_prefix: "",
        buildings: 15,
        building_suffix: "栋",
        units: 3,
        floors: 18,
        rooms_per_floor: 2,
        room_style: RoomStyle::Dashed,
        weight: 1.5,
        lift_factor: 3.5,
        level_scheme: 1,
        repair: Team::Repair2,
    },
    Project {
        name: "香樟名邸",
        building_prefix: "",
        buildings: 10,
        building_suffix: "栋",
        units: 2,
        floors: 26,
        rooms_per_floor: 2,
        room_style: RoomStyle::Plain,
        weight: 1.1,
        lift_factor: 1.0,
        level_scheme: 2,
        repair: Team::Repair1,
    },
    Project {
        name: "云栖山庄",
        building_prefix: "",
        buildings: 20,
        building_suffix: "幢",
        units: 1,
        floors: 4,
        rooms_per_floor: 1,
        room_style: RoomStyle::Dashed,
        weight: 0.45,
        lift_factor: 0.0,
        level_scheme: 0,
        repair: Team::Repair2,
    },
];

/// Intake channels with relative weights. 总部热线 (the owner bypassed the
/// 管理处 and called head office) is deliberately a few percent.
pub(crate) const CHANNELS: [(&str, f64); 8] = [
    ("电话", 30.0),
    ("前台来访", 14.0),
    ("微信小程序", 20.0),
    ("APP", 12.0),
    ("业主群", 9.0),
    ("书面信函", 3.0),
    ("投诉箱", 3.0),
    ("总部热线", 3.5),
];
pub(crate) const HQ_CHANNEL: &str = "总部热线";

/// The true severity class of a complaint (what the generator means; the
/// export's 紧急程度 column only sometimes says it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Ⅰ级 / 紧急 (电梯困人, 水管爆裂, 火灾隐患, 停水停电).
    Emergency,
    /// Ⅱ级 / 一般.
    Ordinary,
    /// 重要 (服务态度恶劣, 收费不合理, 房屋质量问题).
    Important,
    /// 重大 (重大经济损失, 人身伤害, 多次提出仍然没有解决).
    Major,
    /// Ⅲ级 / 建议.
    Suggestion,
}

/// Who handles a topic.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Route {
    Team(Team),
    /// The project's own repair team (维修一班 or 维修二班).
    Repair,
}

/// When a topic is more frequent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Season {
    Any,
    /// May–September (noise with windows open, greening, outages).
    Summer,
    /// Around the January billing of 物业费.
    Billing,
}

/// A complaint topic: one keyword of the brief with its category, class,
/// routing and text templates.
#[derive(Debug)]
pub(crate) struct Topic {
    pub(crate) category: &'static str,
    pub(crate) kind: Kind,
    pub(crate) route: Route,
    /// A team member goes on site (到场时间 filled).
    pub(crate) onsite: bool,
    /// Usually fixed within hours (bulb, bin).
    pub(crate) quick: bool,
    pub(crate) lift: bool,
    pub(crate) weight: f64,
    /// Weight multiplier for night receipts (22:00–06:59).
    pub(crate) night: f64,
    pub(crate) season: Season,
    /// Templates; placeholders: {b} building, {u} unit, {f} floor, {r} room,
    /// {t} time phrase, {p} place, {c} parking space, {g} a guard's name,
    /// {nb} a neighbour.
    pub(crate) templates: &'static [&'static str],
    /// Traditional-character variants (a small share of texts).
    pub(crate) traditional: &'static [&'static str],
}

const fn topic(
    category: &'static str,
    kind: Kind,
    route: Route,
    onsite: bool,
    weight: f64,
    templates: &'static [&'static str],
    traditional: &'static [&'static str],
) -> Topic {
    Topic {
        category,
        kind,
        route,
        onsite,
        quick: false,
        lift: false,
        weight,
        night: 1.0,
        season: Season::Any,
        templates,
        traditional,
    }
}

const fn lift(mut t: Topic) -> Topic {
    t.lift = true;
    t
}
const fn quick(mut t: Topic) -> Topic {
    t.quick = true;
    t
}
const fn at_night(mut t: Topic, f: f64) -> Topic {
    t.night = f;
    t
}
const fn season(mut t: Topic, s: Season) -> Topic {
    t.season = s;
    t
}

use Kind::*;
use Route::Repair;
use Route::Team as T;

/// All topics. Weights give roughly: emergencies 8 %, 重大 1 %, 重要 10 %,
/// suggestions 8 %, ordinary the rest (before the per-project lift factor).
pub(crate) const TOPICS: &[Topic] = &[
    // ---- Ⅰ级 / 紧急 ----
    at_night(
        lift(topic(
            "电梯",
            Emergency,
            T(Team::Lift),
            true,
            2.0,
            &[
                "{b}{u}电梯困人，里面有老人和小孩，请马上派人！",
                "{t}{b}电梯困人，电梯停在{f}不动了，按警铃没人应答",
                "电梯困人！{b}{u}电梯门打不开，人被困在里面快二十分钟了",
                "{b}电梯困人，我家孩子被关在里面，赶紧来人",
                "{b}{u}的电梯突然下坠后停住，电梯困人，里面有三个人",
            ],
            &[
                "{b}電梯困人，請盡快處理",
                "電梯困人！{b}{u}有人被困在電梯裡，請馬上派人",
            ],
        )),
        2.0,
    ),
    at_night(
        topic(
            "设施设备",
            Emergency,
            Repair,
            true,
            2.2,
            &[
                "{b}{u}{f}楼道水管爆裂，水已经流到电梯井了",
                "{t}地下车库水管爆裂，车位全被淹了，请马上关阀门",
                "{b}{r}厨房水管爆裂，家里到处是水，请紧急处理",
                "{p}的水管爆裂，水一直往外冒",
            ],
            &["{b}地下室水管爆裂，水漫出來了，請馬上處理"],
        ),
        2.0,
    ),
    at_night(
        topic(
            "安全管理",
            Emergency,
            T(Team::Security),
            true,
            1.3,
            &[
                "{b}{u}消防通道堆满杂物，存在火灾隐患",
                "{t}发现{b}楼下有人给电动车飞线充电，火灾隐患很大",
                "{p}配电箱冒烟有焦味，火灾隐患，请马上来看",
                "{b}楼道里的灭火器过期了，消防栓也没水，火灾隐患",
            ],
            &["{b}樓道堆滿紙箱，有火災隱患，請盡快清理"],
        ),
        1.5,
    ),
    season(
        topic(
            "设施设备",
            Emergency,
            Repair,
            true,
            2.0,
            &[
                "{b}{t}突然停水停电，也没有提前通知",
                "{b}{u}停水停电两个小时了，家里有老人，什么时候恢复？",
                "整栋楼停水停电，{b}电梯也停了，请尽快抢修",
            ],
            &[],
        ),
        Season::Summer,
    ),
    // ---- 重大 ----
    topic(
        "设施设备",
        Major,
        Repair,
        true,
        0.35,
        &[
            "楼上水管爆裂物业处理拖延，我家木地板和家具全部泡坏，造成重大经济损失，要求赔偿",
            "{p}车库顶棚脱落砸坏我的车，造成重大经济损失，物业必须给说法",
            "{b}{r}被盗，监控设施坏了一个月没修，造成重大经济损失",
        ],
        &[],
    ),
    topic(
        "安全管理",
        Major,
        T(Team::Security),
        true,
        0.3,
        &[
            "{p}地面湿滑没有警示牌，我母亲摔倒骨折，造成人身伤害，要求物业负责",
            "{b}单元门闭门器失灵，夹伤孩子手指，造成人身伤害",
            "小区{p}的树枝掉落砸伤行人，已经造成人身伤害",
        ],
        &[],
    ),
    topic(
        "房屋质量",
        Major,
        Repair,
        true,
        0.35,
        &[
            "{b}顶楼漏水的问题我已经多次提出仍然没有解决，合同约定的维修一直没落实",
            "{b}{u}单元门禁坏了半年，多次提出仍然没有解决",
            "地下车库照明不足，多次提出仍然没有解决，物业到底管不管",
        ],
        &[],
    ),
    // ---- 重要 ----
    topic(
        "服务态度",
        Important,
        T(Team::Service),
        false,
        3.5,
        &[
            "客服人员服务态度恶劣，电话里直接挂断",
            "{t}去前台办事，工作人员服务态度恶劣，还跟我吵起来了",
            "报修时客服服务态度恶劣，推三阻四说不归他们管",
        ],
        &["客服服務態度惡劣，掛我電話"],
    ),
    season(
        topic(
            "收费",
            Important,
            T(Team::Service),
            false,
            4.0,
            &[
                "物业费收费不合理，今年涨价也没有公示",
                "停车费收费不合理，临时停车一小时收十块",
                "装修押金收费不合理，验收通过了还不退",
                "{b}电梯间的公摊电费收费不合理，要求公布明细",
            ],
            &["收費不合理，物業費漲價沒有公示"],
        ),
        Season::Billing,
    ),
    topic(
        "房屋质量",
        Important,
        Repair,
        true,
        2.5,
        &[
            "{b}{r}外墙渗水，墙皮发霉，属于房屋质量问题，要求开发商和物业一起处理",
            "{b}{r}卫生间地面开裂渗水，房屋质量问题",
            "交房不到两年窗户就漏风漏雨，房屋质量问题谁来管",
        ],
        &["{b}外牆滲水，房屋質量問題一直沒解決"],
    ),
    // ---- Ⅲ级 / 建议 ----
    at_night(
        topic(
            "建议",
            Suggestion,
            T(Team::Service),
            false,
            4.0,
            &[
                "建议社区活动优化一下，周末多办一些亲子活动",
                "希望社区活动优化，老年人的活动太少了",
                "社区活动优化建议：可以组织业主跳蚤市场",
            ],
            &["建議社區活動優化，週末多辦親子活動"],
        ),
        0.3,
    ),
    at_night(
        topic(
            "建议",
            Suggestion,
            T(Team::Service),
            false,
            4.0,
            &[
                "建议报修服务流程改进，在APP上能看到维修进度",
                "服务流程改进建议：快递柜取件流程太复杂",
                "希望物业服务流程改进，办理装修手续要跑三趟",
            ],
            &[],
        ),
        0.3,
    ),
    // ---- Ⅱ级 / 一般 ----
    lift(topic(
        "电梯",
        Ordinary,
        T(Team::Lift),
        true,
        6.0,
        &[
            "{b}{u}电梯故障，运行时有异响，晃得厉害",
            "{b}电梯坏了，{t}又停运了，我们住{f}每天爬楼",
            "{b}{u}电梯坏了两天还没修好",
            "电梯故障频繁，{b}这个月已经坏了三次",
        ],
        &["{b}電梯故障，又停了，請派人維修"],
    )),
    topic(
        "环境卫生",
        Ordinary,
        T(Team::Cleaning),
        true,
        6.0,
        &[
            "{b}{u}楼道卫生清洁不及时，地上都是泥",
            "{p}卫生清洁不及时，到处是落叶和烟头",
            "卫生清洁不及时，{b}电梯里有宠物粪便没人清理",
        ],
        &[],
    ),
    quick(topic(
        "环境卫生",
        Ordinary,
        T(Team::Cleaning),
        true,
        4.0,
        &[
            "{b}楼下垃圾桶满了，垃圾都溢出来了",
            "{p}的垃圾桶满了没人倒，味道很大",
        ],
        &[],
    )),
    topic(
        "环境卫生",
        Ordinary,
        T(Team::Cleaning),
        true,
        3.0,
        &[
            "{b}{u}门口的垃圾好几天没清理，招苍蝇",
            "{p}的建筑垃圾好几天没清理了",
        ],
        &["垃圾好幾天沒清理，樓道異味很重"],
    ),
    topic(
        "环境卫生",
        Ordinary,
        T(Team::Cleaning),
        true,
        2.0,
        &[
            "{p}草地全是垃圾，没人管吗",
            "{b}旁边的草地全是垃圾，还有人乱扔外卖盒",
        ],
        &[],
    ),
    topic(
        "环境卫生",
        Ordinary,
        T(Team::Cleaning),
        true,
        2.5,
        &[
            "{b}{u}楼道异味很重，好像是下水道返味",
            "{t}{b}{f}楼道异味，怀疑有人在楼道堆放垃圾",
        ],
        &[],
    ),
    topic(
        "设施设备",
        Ordinary,
        Repair,
        true,
        4.0,
        &[
            "{p}的健身器材松动了，公共设施小故障请安排维修",
            "{b}单元门禁刷卡没反应，公共设施小故障",
            "公共设施小故障：{p}的座椅坏了一块板",
        ],
        &[],
    ),
    quick(topic(
        "设施设备",
        Ordinary,
        Repair,
        true,
        4.0,
        &[
            "{b}{u}{f}楼道灯坏了，晚上一片黑",
            "楼道灯坏了好几天，{b}{u}的老人上下楼很不方便",
        ],
        &["{b}樓道燈壞了好幾天，晚上很黑"],
    )),
    topic(
        "设施设备",
        Ordinary,
        Repair,
        true,
        2.5,
        &["{p}路灯不亮，晚上走路很危险", "{b}门口的路灯不亮已经一周了"],
        &[],
    ),
    topic(
        "设施设备",
        Ordinary,
        Repair,
        true,
        3.0,
        &[
            "{t}在APP上报修了{b}{r}的门禁，维修不及时，到现在没人来",
            "维修不及时，{b}{u}的门禁坏了三天了",
            "上周报修的{p}水龙头漏水，维修不及时",
        ],
        &[],
    ),
    topic(
        "设施设备",
        Ordinary,
        Repair,
        true,
        4.0,
        &[
            "{b}{r}楼上水管漏水，我家天花板在滴水",
            "{p}的水管漏水，地面都湿了",
            "{b}{u}管道井水管漏水，请派人看看",
        ],
        &[],
    ),
    topic(
        "设施设备",
        Ordinary,
        Repair,
        true,
        2.0,
        &[
            "{b}{u}{f}电路故障，楼道的插座和灯都不通电",
            "{p}电路故障，照明时好时坏",
        ],
        &[],
    ),
    season(
        topic(
            "绿化",
            Ordinary,
            T(Team::Greening),
            true,
            4.0,
            &[
                "{p}绿化维护不到位，杂草长得比人高",
                "{b}楼下的树很久没修剪，绿化维护不到位，挡住了采光",
                "绿化维护不到位，{p}的草坪都枯黄了",
            ],
            &[],
        ),
        Season::Summer,
    ),
    season(
        at_night(
            topic(
                "噪音",
                Ordinary,
                T(Team::Security),
                true,
                6.0,
                &[
                    "{b}{f}装修噪音扰民，中午和晚上都在施工",
                    "{t}{p}有人跳广场舞，音响噪音扰民",
                    "楼上{nb}噪音扰民，半夜还在拖椅子",
                    "{p}的空调外机噪音扰民，晚上睡不着",
                ],
                &["樓上裝修噪音擾民，晚上十點還在施工"],
            ),
            3.0,
        ),
        Season::Summer,
    ),
    at_night(
        topic(
            "车辆管理",
            Ordinary,
            T(Team::Security),
            true,
            5.0,
            &[
                "我的停车位被占了，{p}有辆外来车停了一天",
                "{t}停车位被占，打电话给保安也没人来处理",
                "地下车库{c}号停车位被占，挪车电话打不通",
            ],
            &["停車位被佔，車輛亂停亂放沒人管"],
        ),
        1.5,
    ),
    topic(
        "车辆管理",
        Ordinary,
        T(Team::Security),
        true,
        4.0,
        &[
            "{p}车辆乱停乱放，消防通道都堵了",
            "小区车辆乱停乱放，{b}门口车都出不去",
            "停车难，晚上回来车辆乱停乱放到处都是",
        ],
        &[],
    ),
    topic(
        "服务态度",
        Ordinary,
        T(Team::Security),
        false,
        3.0,
        &[
            "{p}保安态度不好，问个路都爱答不理",
            "保安{g}态度不好，对业主大呼小叫",
            "门岗保安态度不好，外卖都不让进",
        ],
        &["保安態度不好，說話很沖"],
    ),
    topic(
        "安全管理",
        Ordinary,
        T(Team::Security),
        true,
        2.0,
        &[
            "{p}的监控设施坏了，电动车被偷查不到录像",
            "{b}{u}监控设施一直没开，出了事谁负责",
        ],
        &[],
    ),
    topic(
        "收费",
        Ordinary,
        T(Team::Service),
        false,
        2.0,
        &[
            "物业费年年交，服务质价不符，保洁一周才来一次",
            "感觉物业降低服务标准，质价不符",
        ],
        &[],
    ),
    topic(
        "其他",
        Ordinary,
        T(Team::Service),
        false,
        1.0,
        &[
            "和{b}{r}的邻居因为漏水问题起了争执，居民之间的纠纷请物业协调",
            "楼上楼下居民之间的纠纷，希望物业出面调解，{nb}总是往楼下扔东西",
        ],
        &[],
    ),
    topic(
        "其他",
        Ordinary,
        T(Team::Security),
        true,
        0.5,
        &[
            "有业主擅自占用{p}公共区域搭建棚子",
            "{b}一楼住户擅自改变用途开了棋牌室，吵得厉害",
        ],
        &[],
    ),
];

/// All categories the export may carry (for mis-labelled rows).
pub(crate) const CATEGORIES: [&str; 12] = [
    "设施设备",
    "电梯",
    "环境卫生",
    "绿化",
    "安全管理",
    "车辆管理",
    "噪音",
    "收费",
    "服务态度",
    "房屋质量",
    "其他",
    "建议",
];

/// Time phrases for {t}.
pub(crate) const TIME_PHRASES: [&str; 12] = [
    "今天早上",
    "今天上午",
    "中午",
    "今天下午",
    "昨天晚上",
    "刚才",
    "这两天",
    "最近一周",
    "从上周开始",
    "晚上十点多",
    "周末",
    "今天",
];

/// Places for {p}. `{b}` inside is replaced too.
pub(crate) const PLACES: [&str; 14] = [
    "小区东门",
    "小区南门",
    "地下车库",
    "中心花园",
    "儿童游乐区",
    "健身广场",
    "{b}楼下",
    "物业服务中心门口",
    "垃圾分类投放点",
    "主干道",
    "篮球场",
    "会所门口",
    "{b}东侧",
    "北区",
];

/// Openings and closings around the template text.
pub(crate) const OPENINGS: [&str; 6] = ["", "", "", "业主反映：", "你好，", "物业你好，"];
pub(crate) const CLOSINGS: [&str; 8] = [
    "",
    "",
    "",
    "请尽快处理。",
    "希望物业重视！",
    "已经是第二次反映了。",
    "麻烦尽快派人来看看。",
    "谢谢。",
];

/// Closings for suggestions (no "send someone over").
pub(crate) const SUGGESTION_CLOSINGS: [&str; 5] = ["", "", "谢谢。", "希望采纳。", "辛苦了。"];

/// Free-text remarks (备注).
pub(crate) const REMARKS: [&str; 10] = [
    "业主要求上门前电话联系",
    "已拍照存档",
    "业主不在家，改约时间",
    "需第三方施工单位配合",
    "重复投诉",
    "已告知业主处理进度",
    "涉及开发商保修范围",
    "业主情绪激动，已安抚",
    "夜间值班记录",
    "已发短信通知",
];

/// Surnames (common ones; the combinations are synthetic).
pub(crate) const SURNAMES: [&str; 100] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
    "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴",
    "莫", "孔", "向", "欧阳",
];

/// Given-name characters.
pub(crate) const GIVEN: [&str; 120] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "萍", "红", "建", "国", "文", "辉", "鹏",
    "飞", "鑫", "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "欣",
    "晨", "婷", "雪", "琳", "晶", "颖", "慧", "佳", "嘉", "怡", "悦", "思", "雨", "梓", "子", "轩",
    "涵", "博", "睿", "泽", "晓", "海", "春", "梅", "兰", "凤", "云", "峰", "志", "德", "成", "永",
    "荣", "新", "立", "福", "生", "宏", "昊", "然", "婉", "倩", "莉", "蕾", "彤", "瑶", "璐", "琪",
    "萌", "阳", "亮", "坤", "松", "岩", "丹", "振", "光", "金", "秋", "爱", "家", "树", "民", "庆",
    "东", "南", "恒", "安", "清", "卫", "冬", "勤",
];

/// Mobile prefixes `1[3-9]x`.
pub(crate) const MOBILE_PREFIXES: [&str; 20] = [
    "130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158",
    "159", "166", "177", "180", "186", "188", "199",
];

"""The catalogue the demo names are drawn from: pure data and tiny helpers, no database access.

- :class:`Tpl` and the kinds of body per level: ``DEPARTMENTS`` (party, government, 人大/政协,
  court, procuratorate, 群团, with their internal bodies) and ``INSTITUTIONS`` (public
  institutions under their supervising departments), indexed as ``TEMPLATES``; ``CORE`` are the
  kinds every division gets first.
- The planned history: ``MERGES`` (with ``MERGED_SUCCESSORS``), ``ALIASES`` (加挂牌子),
  ``RANK_UP`` and the 三定 ``FUNCTIONS`` texts.
- Township data (``TOWN_*``, :func:`town_kinds`) and :func:`cn_number` for numbered schools.

Names are format strings over :attr:`Place.words <bianzhi.orgs.demo.places.Place.words>`
(``{r}`` region, ``{p}`` 中共…委, ``{g}`` …人民政府, ``{u}``/``{v}`` section suffixes, ``{t}``
township, ``{n}`` number).  The module is long only because of its data literals.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..validation import INSTITUTION


@dataclass(frozen=True)
class Tpl:
    """One kind of body; names per level (province, prefecture, county), '' = none there."""

    key: str
    category: str
    names: tuple[str, str, str]
    subcategory: str = ""
    former: tuple[str, str, str] = ("", "", "")
    short: tuple[str, str] = ("", "")  # (short name, former short name)
    supervisor: str = ""
    pi_class: str = ""
    funding: str = ""
    ranks: tuple[str, str, str] = ("bureau", "division", "section")
    internal: tuple[str, ...] = ()


def _lv(name: str | tuple) -> tuple[str, str, str]:
    return name if isinstance(name, tuple) else (name, name, name)


def _party(key, names, internal=(), short="", ranks=("bureau", "division", "section")) -> Tpl:
    return Tpl(key, "party", _lv(names), short=(short, ""), internal=internal, ranks=ranks)


def _gov(key, names, sub="gov.component", internal=(), former="", short=("", ""), sup="") -> Tpl:
    ranks = ("vice_bureau", "vice_division", "vice_section") if sub == "gov.managed" else None
    return Tpl(
        key,
        "gov",
        _lv(names),
        subcategory=sub,
        former=_lv(former),
        short=short,
        supervisor=sup,
        internal=internal,
        ranks=ranks or ("bureau", "division", "section"),
    )


def _other(key, category, names, internal=(), ranks=("bureau", "division", "section")) -> Tpl:
    return Tpl(key, category, _lv(names), internal=internal, ranks=ranks)


def _inst(key, sup, names, pi="public1", funding="full", internal=(), former="") -> Tpl:
    return Tpl(
        key,
        INSTITUTION,
        _lv(names),
        former=_lv(former),
        supervisor=sup,
        pi_class=pi,
        funding=funding,
        ranks=("division", "section", "vice_section"),
        internal=internal,
    )


JUDICIAL_RANKS = ("vice_ministry", "vice_bureau", "vice_division")
HOSPITAL_INTERNAL = ("办公室", "医务{v}", "护理部", "财务{v}", "人事{v}", "科教{v}", "信息{v}")
SCHOOL_INTERNAL = ("办公室", "教务处", "德育处", "总务处")
CENTRE_INTERNAL = ("办公室", "业务{v}")
PARTY_GENERIC = ("办公室", "干部{u}")
GOV_GENERIC = ("办公室", "人事{u}", "政策法规{u}", "财务{u}")

DEPARTMENTS = [
    _party(
        "party_office",
        ("{p}办公厅", "{p}办公室", "{p}办公室"),
        ("秘书{u}", "综合{u}", "督查{u}", "机要{u}"),
    ),
    _party(
        "org_dept",
        "{p}组织部",
        ("组织{u}", "干部一{u}", "干部监督{u}", "人才工作{u}", "公务员管理{u}"),
        "{c}组织部",
    ),
    _party("publicity", "{p}宣传部", ("理论{u}", "宣传教育{u}", "新闻{u}", "文艺{u}"), "{c}宣传部"),
    _party("united_front", "{p}统一战线工作部", ("党派{u}", "民族宗教{u}", "经济{u}"), "{c}统战部"),
    _party("political_legal", "{p}政法委员会", ("综治督导{u}", "执法监督{u}"), "{c}政法委"),
    _party(
        "bianban",
        "{p}机构编制委员会办公室",
        ("综合{u}", "党政机构编制{u}", "事业单位机构编制{u}", "监督检查{u}"),
        "{c}编办",
    ),
    _party("policy_research", ("{p}政策研究室", "{p}政策研究室", ""), ("综合{u}", "经济{u}")),
    _party(
        "cyberspace", "{p}网络安全和信息化委员会办公室", ("网络安全{u}", "网络传播{u}"), "{c}网信办"
    ),
    _party("social_work", "{p}社会工作部", ("基层治理{u}", "志愿服务{u}")),
    _party("veteran_cadres", "{p}老干部局", ("离退休干部{u}",)),
    _party(
        "discipline",
        "中共{r}纪律检查委员会",
        ("第一监督检查室", "第二监督检查室", "案件审理室", "党风政风监督室"),
    ),
    _gov(
        "gov_office",
        ("{g}办公厅", "{g}办公室", "{g}办公室"),
        internal=("秘书{u}", "综合{u}", "督查{u}"),
    ),
    _gov(
        "development",
        "{r}发展和改革委员会",
        internal=("综合规划{u}", "固定资产投资{u}", "价格{u}", "经济运行{u}"),
        short=("{r}发改委", ""),
    ),
    _gov(
        "education",
        ("{r}教育厅", "{r}教育局", "{r}教育局"),
        internal=("基础教育{u}", "职业教育与成人教育{u}", "教师工作{u}", "安全稳定{u}"),
    ),
    _gov(
        "science",
        ("{r}科学技术厅", "{r}科学技术局", "{r}科学技术局"),
        internal=("高新技术{u}", "农村科技{u}"),
    ),
    _gov(
        "industry",
        ("{r}工业和信息化厅", "{r}工业和信息化局", "{r}工业和信息化局"),
        internal=("产业发展{u}", "信息化推进{u}"),
    ),
    _gov("ethnic", ("{r}民族宗教事务委员会", "", ""), internal=("民族{u}", "宗教{u}")),
    _gov(
        "police",
        ("{r}公安厅", "{r}公安局", "{r}公安局"),
        internal=("指挥中心", "治安管理{q}", "刑事侦查{q}", "交通警察{q}", "网络安全保卫{q}"),
    ),
    _gov(
        "civil",
        ("{r}民政厅", "{r}民政局", "{r}民政局"),
        internal=("社会救助{u}", "养老服务{u}", "社会组织管理{u}", "区划地名{u}"),
    ),
    _gov(
        "justice",
        ("{r}司法厅", "{r}司法局", "{r}司法局"),
        internal=("行政复议{u}", "普法与依法治理{u}", "公共法律服务管理{u}"),
    ),
    _gov(
        "finance",
        ("{r}财政厅", "{r}财政局", "{r}财政局"),
        internal=("预算{u}", "国库{u}", "社会保障{u}", "行政政法{u}", "会计{u}"),
    ),
    _gov(
        "hr",
        ("{r}人力资源和社会保障厅", "{r}人力资源和社会保障局", "{r}人力资源和社会保障局"),
        internal=("就业促进{u}", "养老保险{u}", "劳动关系{u}", "事业单位人事管理{u}"),
        short=("{r}人社局", ""),
    ),
    _gov(
        "land",
        ("{r}自然资源厅", "{r}自然资源和规划局", "{r}自然资源和规划局"),
        internal=("国土空间规划{u}", "耕地保护监督{u}", "自然资源确权登记{u}"),
        former=("{r}国土资源厅", "{r}国土资源局", "{r}国土资源局"),
    ),
    _gov(
        "environment",
        ("{r}生态环境厅", "{r}生态环境局", ""),
        internal=("大气环境{u}", "水生态环境{u}", "环境影响评价{u}"),
        former=("{r}环境保护厅", "{r}环境保护局", ""),
    ),
    _gov(
        "housing",
        ("{r}住房和城乡建设厅", "{r}住房和城乡建设局", "{r}住房和城乡建设局"),
        internal=("建筑市场监管{u}", "房地产市场监管{u}", "城市建设{u}"),
    ),
    _gov(
        "transport",
        ("{r}交通运输厅", "{r}交通运输局", "{r}交通运输局"),
        internal=("综合规划{u}", "公路{u}", "运输服务{u}"),
    ),
    _gov(
        "water",
        ("{r}水利厅", "{r}水务局", "{r}水利局"),
        internal=("规划计划{u}", "水资源{u}", "河湖管理{u}"),
    ),
    _gov(
        "agriculture",
        ("{r}农业农村厅", "{r}农业农村局", "{r}农业农村局"),
        internal=("乡村产业发展{u}", "种植业管理{u}", "畜牧兽医{u}"),
        former=("{r}农业委员会", "{r}农业委员会", "{r}农业委员会"),
    ),
    _gov(
        "commerce",
        ("{r}商务厅", "{r}商务局", "{r}商务局"),
        internal=("对外贸易{u}", "市场体系建设{u}"),
    ),
    _gov(
        "culture",
        ("{r}文化和旅游厅", "{r}文化广电和旅游局", "{r}文化广电和旅游局"),
        internal=("公共服务{u}", "文物保护{u}", "旅游市场管理{u}"),
        former=("", "{r}文化广电新闻出版局", "{r}文化广电新闻出版局"),
    ),
    _gov(
        "health",
        "{r}卫生健康委员会",
        internal=("医政医管{u}", "疾病预防控制{u}", "基层卫生健康{u}", "妇幼健康{u}"),
        former="{r}卫生和计划生育委员会",
        short=("{r}卫健委", "{r}卫计委"),
    ),
    _gov(
        "veterans",
        ("{r}退役军人事务厅", "{r}退役军人事务局", "{r}退役军人事务局"),
        internal=("思想政治和权益维护{u}", "移交安置{u}"),
    ),
    _gov(
        "emergency",
        ("{r}应急管理厅", "{r}应急管理局", "{r}应急管理局"),
        internal=("风险监测和综合减灾{u}", "安全生产综合协调{u}"),
        former=("{r}安全生产监督管理局", "{r}安全生产监督管理局", "{r}安全生产监督管理局"),
    ),
    _gov(
        "audit",
        ("{r}审计厅", "{r}审计局", "{r}审计局"),
        internal=("财政审计{u}", "经济责任审计{u}"),
    ),
    _gov(
        "foreign",
        ("{g}外事办公室", "{g}外事办公室", ""),
        sub="gov.office",
        internal=("综合{u}", "护照签证{u}"),
    ),
    _gov("research_office", ("{g}研究室", "", ""), sub="gov.office", internal=("综合{u}",)),
    _gov(
        "sasac",
        ("{g}国有资产监督管理委员会", "{g}国有资产监督管理委员会", ""),
        sub="gov.special",
        internal=("产权管理{u}", "考核分配{u}"),
        short=("{r}国资委", ""),
    ),
    _gov(
        "market",
        "{r}市场监督管理局",
        sub="gov.direct",
        internal=("登记注册{u}", "食品安全协调{u}", "价格监督检查和反不正当竞争{u}", "质量发展{u}"),
        former="{r}工商行政管理局",
        short=("{r}市场监管局", "{r}工商局"),
    ),
    _gov(
        "sports",
        ("{r}体育局", "{r}体育局", ""),
        sub="gov.direct",
        internal=("群众体育{u}", "竞技体育{u}"),
    ),
    _gov(
        "statistics",
        "{r}统计局",
        sub="gov.direct",
        internal=("综合{u}", "国民经济核算{u}", "统计执法监督{u}"),
    ),
    _gov(
        "medical_security",
        "{r}医疗保障局",
        sub="gov.direct",
        internal=("待遇保障{u}", "医药服务管理{u}", "基金监管{u}"),
    ),
    _gov(
        "government_service",
        "{r}政务服务管理办公室",
        sub="gov.direct",
        internal=("审批服务{u}", "政务公开{u}"),
    ),
    _gov(
        "urban",
        ("", "{r}城市管理局", "{r}城市管理局"),
        sub="gov.direct",
        internal=("市容环境卫生管理{u}", "市政设施管理{u}"),
        former=("", "{r}城市管理行政执法局", "{r}城市管理行政执法局"),
    ),
    _gov(
        "affairs",
        "{r}机关事务管理局",
        sub="gov.direct",
        internal=("公共机构节能管理{u}", "资产管理{u}"),
    ),
    _gov("petition", "{r}信访局", sub="gov.office", internal=("来访接待{u}", "督查督办{u}")),
    _gov(
        "grain",
        ("{r}粮食和物资储备局", "", ""),
        sub="gov.managed",
        internal=("储备管理{u}",),
        sup="development",
    ),
    _gov(
        "prison",
        ("{r}监狱管理局", "", ""),
        sub="gov.managed",
        internal=("狱政管理{u}",),
        sup="justice",
    ),
    _gov(
        "tcm", ("{r}中医药管理局", "", ""), sub="gov.managed", internal=("医政{u}",), sup="health"
    ),
    _other(
        "npc",
        "npc",
        ("{r}人大常委会办公厅", "{r}人大常委会办公室", "{r}人大常委会办公室"),
        ("秘书{u}", "联络{u}", "研究室"),
    ),
    _other(
        "cppcc",
        "cppcc",
        ("政协{r}委员会办公厅", "政协{r}委员会办公室", "政协{r}委员会办公室"),
        ("秘书{u}", "提案委员会办公室"),
    ),
    _other(
        "court",
        "court",
        ("{r}高级人民法院", "{r}中级人民法院", "{r}人民法院"),
        ("立案庭", "刑事审判第一庭", "民事审判第一庭", "行政审判庭", "执行局", "政治部"),
        JUDICIAL_RANKS,
    ),
    _other(
        "procuratorate",
        "procuratorate",
        "{r}人民检察院",
        ("第一检察部", "第二检察部", "第三检察部", "政治部"),
        JUDICIAL_RANKS,
    ),
    _other("union", "mass", "{r}总工会", ("组织部", "权益保障部")),
    _other("youth_league", "mass", "共青团{r}委员会", ("组织部", "宣传部")),
    _other("women", "mass", "{r}妇女联合会", ("组织联络部", "家庭和儿童工作部")),
    _other("sci_assoc", "mass", "{r}科学技术协会", ("学会学术部",)),
    _other("arts", "mass", ("{r}文学艺术界联合会", "{r}文学艺术界联合会", ""), ("组织联络部",)),
    _other("disabled", "mass", "{r}残疾人联合会", ("康复部", "教育就业部")),
    _other("commerce_fed", "mass", "{r}工商业联合会", ("会员部",)),
]

INSTITUTIONS = [
    _inst("high_school", "education", ("", "{r}第一中学", "{r}第一中学"), internal=SCHOOL_INTERNAL),
    _inst("primary", "education", ("", "{r}实验小学", "{r}实验小学"), internal=SCHOOL_INTERNAL),
    _inst("hospital", "health", "{r}人民医院", "public2", "partial", HOSPITAL_INTERNAL),
    _inst(
        "cdc",
        "health",
        "{r}疾病预防控制中心",
        internal=("办公室", "传染病防制{v}", "免疫规划{v}", "检验{v}"),
    ),
    _inst(
        "health_supervision", "health", "{r}卫生监督所", "administrative", internal=CENTRE_INTERNAL
    ),
    _inst(
        "archives",
        "party_office",
        "{r}档案馆",
        internal=("办公室", "接收征集{v}", "保管利用{v}"),
        former="{r}档案局",
    ),
    _inst("tcm_hospital", "health", "{r}中医院", "public2", "partial", HOSPITAL_INTERNAL),
    _inst("maternal", "health", "{r}妇幼保健院", "public2", "partial", HOSPITAL_INTERNAL),
    _inst("emergency_centre", "health", "{r}急救中心", internal=CENTRE_INTERNAL),
    _inst(
        "second_hospital",
        "health",
        ("", "{r}第二人民医院", "{r}第二人民医院"),
        "public2",
        "partial",
        HOSPITAL_INTERNAL,
    ),
    _inst("party_school", "party_office", "{p}党校", internal=("教务处", "科研处")),
    _inst("chronicles", "party_office", "{r}地方志办公室", internal=CENTRE_INTERNAL),
    _inst("exam", "education", ("{r}教育考试院", "{r}教育考试院", ""), internal=CENTRE_INTERNAL),
    _inst(
        "teacher_dev",
        "education",
        ("", "{r}教师发展中心", "{r}教师发展中心"),
        internal=CENTRE_INTERNAL,
        former=("", "{r}教师进修学院", "{r}教师进修学校"),
    ),
    _inst(
        "vocational",
        "education",
        ("", "{r}职业教育中心", "{r}中等专业学校"),
        internal=SCHOOL_INTERNAL,
    ),
    _inst("kindergarten", "education", ("", "{r}实验幼儿园", "{r}实验幼儿园")),
    _inst("special_school", "education", ("", "{r}特殊教育学校", "{r}特殊教育学校")),
    _inst("library", "culture", "{r}图书馆", internal=("办公室", "读者服务{v}")),
    _inst("culture_centre", "culture", "{r}文化馆", internal=CENTRE_INTERNAL),
    _inst("museum", "culture", "{r}博物馆", internal=("办公室", "保管{v}", "陈列{v}")),
    _inst(
        "media",
        "publicity",
        ("", "", "{r}融媒体中心"),
        "public2",
        "partial",
        ("办公室", "新闻采编部"),
        former=("", "", "{r}广播电视台"),
    ),
    _inst("employment", "hr", "{r}就业服务中心", internal=CENTRE_INTERNAL),
    _inst(
        "social_insurance",
        "hr",
        "{r}社会保险基金管理中心",
        "administrative",
        internal=("办公室", "养老保险{v}", "工伤保险{v}"),
    ),
    _inst(
        "real_estate",
        "land",
        ("", "{r}不动产登记中心", "{r}不动产登记中心"),
        "administrative",
        internal=CENTRE_INTERNAL,
    ),
    _inst(
        "housing_fund",
        "housing",
        ("", "{r}住房公积金管理中心", ""),
        "administrative",
        internal=CENTRE_INTERNAL,
    ),
    _inst("treasury", "finance", "{r}财政国库支付中心", "administrative"),
    _inst("investment_review", "finance", "{r}财政投资评审中心"),
    _inst(
        "agri_tech",
        "agriculture",
        ("", "{r}农业技术推广中心", "{r}农业技术推广中心"),
        internal=CENTRE_INTERNAL,
    ),
    _inst("animal_disease", "agriculture", "{r}动物疫病预防控制中心", internal=CENTRE_INTERNAL),
    _inst(
        "public_resources", "government_service", "{r}公共资源交易中心", internal=CENTRE_INTERNAL
    ),
    _inst("big_data", "gov_office", "{r}大数据管理中心", internal=CENTRE_INTERNAL),
    _inst("welfare", "civil", ("", "{r}社会福利院", "{r}社会福利院"), "public2", "partial"),
    _inst("rescue", "civil", ("", "{r}救助管理站", "{r}救助管理站")),
    _inst("funeral", "civil", ("", "{r}殡仪馆", "{r}殡仪馆"), "public2", "self"),
    _inst("notary", "justice", ("", "{r}公证处", "{r}公证处"), "public2", "self"),
    _inst("legal_aid", "justice", "{r}法律援助中心"),
    _inst(
        "quality",
        "market",
        ("{r}产品质量监督检验研究院", "{r}产品质量监督检验所", ""),
        "public2",
        "partial",
        CENTRE_INTERNAL,
    ),
    _inst("sports_school", "sports", ("", "{r}体育运动学校", "")),
    _inst("sanitation", "urban", ("", "{r}环境卫生管理处", "{r}环境卫生管理所")),
    _inst(
        "water_works",
        "water",
        ("", "{r}水利工程管理处", "{r}水利工程管理所"),
        internal=CENTRE_INTERNAL,
    ),
    _inst(
        "roads",
        "transport",
        ("{r}公路事业发展中心", "{r}公路事业发展中心", "{r}公路事业发展中心"),
        internal=CENTRE_INTERNAL,
    ),
    _inst("veteran_service", "veterans", "{r}退役军人服务中心"),
    _inst("medical_fund", "medical_security", "{r}医疗保障基金结算中心", "administrative"),
    _inst("car_service", "affairs", ("", "{r}公务用车服务中心", "{r}公务用车服务中心")),
]

TEMPLATES = {tpl.key: tpl for tpl in DEPARTMENTS + INSTITUTIONS}
CORE = (
    "party_office", "gov_office", "education", "high_school", "primary", "health", "hospital",
    "cdc", "health_supervision", "org_dept", "court", "procuratorate", "finance", "npc", "cppcc",
    "bianban", "land", "market", "union", "archives", "library", "culture_centre", "hr",
    "employment", "social_insurance",
)  # fmt: skip

# Merges: (kind, sources, successor template) — 'merge' makes a new body, 'absorb' keeps the first.
MERGED_SUCCESSORS = {
    "public_culture": _inst("public_culture", "culture", "{r}公共文化服务中心"),
    "agri_service": _inst(
        "agri_service", "agriculture", ("", "{r}农业农村发展服务中心", "{r}农业农村发展服务中心")
    ),
    "hr_service": _inst("hr_service", "hr", "{r}人力资源和社会保障服务中心", "administrative"),
    "finance_service": _inst("finance_service", "finance", "{r}财政事务服务中心", "administrative"),
}
MERGES = [
    ("merge", ("library", "culture_centre"), "public_culture"),
    ("merge", ("agri_tech", "animal_disease"), "agri_service"),
    ("merge", ("employment", "social_insurance"), "hr_service"),
    ("merge", ("treasury", "investment_review"), "finance_service"),
    ("absorb", ("cdc", "health_supervision"), ""),
    ("absorb", ("archives", "chronicles"), ""),
]
ALIASES = [
    ("foreign", "{g}港澳事务办公室"),
    ("publicity", "{r}新闻出版局"),
    ("united_front", "{r}民族宗教事务局"),
    ("health", "{r}中医药管理局"),
    ("bianban", "{r}机构编制委员会办公室"),
]
RANK_UP = {"section": "vice_division", "division": "vice_bureau"}

FUNCTIONS = {
    "education": [
        "贯彻落实党中央关于教育工作的方针政策和决策部署，在履行职责过程中坚持和加强党对教育工作的集中统一领导。",
        "拟订全{a}教育改革与发展规划、政策措施并组织实施，统筹推进教育综合改革。",
        "负责全{a}各级各类教育的统筹规划和协调管理，推进义务教育均衡发展和促进教育公平。",
        "负责教育经费的统筹管理，参与拟订教育经费筹措、教育拨款和教育基建投资的政策。",
        "负责全{a}教师工作，指导教师队伍建设和教师资格制度的实施。",
        "负责各级各类学校的思想政治工作、德育工作、体育卫生与艺术教育工作和国防教育工作。",
        "组织实施全{a}教育督导评估工作，负责基础教育阶段学生学籍管理。",
        "完成{a}委、{a}政府交办的其他任务。",
    ],
    "health": [
        "贯彻落实党中央关于卫生健康工作的方针政策和决策部署，组织拟订全{a}国民健康政策和卫生健康事业发展规划。",
        "协调推进深化医药卫生体制改革，推动公立医院综合改革。",
        "制定并组织落实疾病预防控制规划、免疫规划以及严重危害人民健康公共卫生问题的干预措施。",
        "组织协调突发公共卫生事件应急处置和重大疾病防治工作。",
        "负责医疗机构和医疗服务行业管理，建立医疗服务评价和监督管理体系。",
        "负责计划生育管理和服务工作，开展人口监测预警，提出人口与家庭发展相关政策建议。",
        "指导基层医疗卫生和妇幼健康服务体系建设，推进中医药事业传承创新发展。",
        "完成{a}委、{a}政府交办的其他任务。",
    ],
    "finance": [
        "贯彻落实党中央关于财政工作的方针政策和决策部署，拟订全{a}财税发展规划、政策和改革方案并组织实施。",
        "负责管理全{a}各项财政收支，编制年度本级预决算草案并组织执行。",
        "负责政府非税收入管理，按规定管理行政事业性收费和政府性基金。",
        "组织制定国库管理制度和国库集中收付制度，指导和监督国库业务。",
        "负责审核和汇总编制全{a}国有资本经营预决算草案，监督检查国有资本收益的收缴。",
        "负责政府采购、政府债务和行政事业单位国有资产的监督管理。",
        "负责管理全{a}会计工作，监督和规范会计行为。",
        "完成{a}委、{a}政府交办的其他任务。",
    ],
    "hr": [
        "贯彻落实党中央关于人力资源和社会保障工作的方针政策和决策部署，拟订全{a}人力资源和社会保障事业发展规划并组织实施。",
        "负责促进就业工作，拟订统筹城乡的就业发展规划和政策，完善公共就业创业服务体系。",
        "统筹建立覆盖城乡的多层次社会保障体系，组织实施养老、失业、工伤等社会保险政策。",
        "负责事业单位人事管理，指导事业单位人事制度改革和岗位管理。",
        "会同有关部门拟订机关、事业单位人员工资收入分配、福利和退休政策。",
        "负责职业能力建设和专业技术人员管理，完善职业资格制度。",
        "负责劳动关系协调和劳动保障监察工作，依法维护劳动者合法权益。",
        "完成{a}委、{a}政府交办的其他任务。",
    ],
    "land": [
        "贯彻落实党中央关于自然资源和国土空间规划工作的方针政策和决策部署，履行全民所有自然资源资产所有者职责。",
        "负责自然资源调查监测评价和统一确权登记工作，指导监督不动产登记工作。",
        "负责自然资源资产有偿使用工作，合理开发利用自然资源。",
        "负责建立国土空间规划体系并监督实施，组织编制全{a}国土空间总体规划。",
        "负责统筹国土空间生态修复和耕地保护，落实永久基本农田保护制度。",
        "负责地质勘查行业管理和地质灾害防治工作。",
        "负责测绘地理信息管理工作，查处自然资源和国土空间规划违法案件。",
        "完成{a}委、{a}政府交办的其他任务。",
    ],
    "civil": [
        "贯彻落实党中央关于民政工作的方针政策和决策部署，拟订全{a}民政事业发展规划和政策并组织实施。",
        "负责社会组织登记管理和执法监督工作。",
        "统筹推进、督促指导和监督管理全{a}养老服务工作，拟订养老服务体系建设规划。",
        "负责最低生活保障、特困人员救助供养和临时救助等社会救助工作。",
        "负责行政区划、行政区域界线和地名管理工作。",
        "负责婚姻登记、殡葬管理和儿童福利工作。",
        "指导城乡社区治理体系和治理能力建设。",
        "完成{a}委、{a}政府交办的其他任务。",
    ],
    "development": [
        "贯彻落实党中央关于发展改革工作的方针政策和决策部署，拟订并组织实施全{a}国民经济和社会发展规划。",
        "提出加快建设现代化经济体系的目标任务和政策措施，统筹推进经济体制改革。",
        "负责汇总分析经济运行态势，协调解决经济运行中的重大问题。",
        "负责投资综合管理，拟订全社会固定资产投资总规模和结构的调控目标。",
        "推进实施区域协调发展战略和新型城镇化战略。",
        "负责价格管理工作，组织拟订重要商品和服务价格政策。",
        "推动实施创新驱动发展战略，统筹推进重大基础设施建设。",
        "完成{a}委、{a}政府交办的其他任务。",
    ],
    "org_dept": [
        "贯彻落实党中央关于组织工作的方针政策和决策部署，研究拟订全{a}党的组织建设和干部队伍建设规划。",
        "负责全{a}领导班子和干部队伍建设，按照干部管理权限做好干部考察、任免和调配工作。",
        "指导全{a}基层党组织建设和党员队伍建设，负责党员教育管理工作。",
        "负责全{a}公务员队伍的综合管理，统筹公务员录用、考核、奖励和培训工作。",
        "牵头抓总全{a}人才工作，统筹推进各类人才队伍建设。",
        "负责干部监督工作，受理有关组织工作的举报和申诉。",
        "负责全{a}老干部工作的宏观指导和统筹协调。",
        "完成{a}委交办的其他任务。",
    ],
}

TOWN_FIRST = (
    "东西南北新永安平和兴华清长太龙凤金石白黄青柳杨梅桃李云阳高丰双三马沙湖江仁义德福康宁顺"
)
TOWN_SECOND = "桥塘集港庄店河湖墩山林口坝圩埠洋湾园楼寺堰岗营铺溪泉岭场沟浦"
TOWN_INSTITUTIONS = [
    # (name, supervisor, pi_class, funding, internal); {t} is the township
    ("{r}{t}卫生院", "health", "public2", "partial", ("办公室", "医务科", "公共卫生科")),
    ("{r}{t}中心小学", "education", "public1", "full", ("教导处", "总务处")),
    ("{r}{t}初级中学", "education", "public1", "full", ("教导处", "总务处")),
    ("{r}{t}中心幼儿园", "education", "public1", "full", ()),
    ("{r}{t}农业农村服务中心", "agriculture", "public1", "full", ()),
    ("{r}{t}综合文化站", "culture", "public1", "full", ()),
    ("{r}{t}退役军人服务站", "veterans", "public1", "full", ()),
    ("{r}{t}便民服务中心", "government_service", "administrative", "full", ()),
    ("{r}{t}敬老院", "civil", "public2", "partial", ()),
    ("{r}{t}水利站", "water", "public1", "full", ()),
    ("{r}{t}兽医站", "agriculture", "public1", "full", ()),
    ("{r}{t}社会保障服务所", "hr", "public1", "full", ()),
]
TOWN_FORMER = {  # township bodies renamed in the 2019-2020 township reforms
    "农业农村服务中心": "农业服务中心",
    "综合文化站": "文化站",
    "社会保障服务所": "劳动保障所",
    "便民服务中心": "为民服务中心",
}
TOWN_DISPATCHED = [
    ("{r}{t}司法所", "justice"),
    ("{r}{t}市场监督管理所", "market"),
    ("{r}{t}自然资源所", "land"),
]
RURAL_ONLY = ("农业农村服务中心", "水利站", "兽医站")


def town_kinds(town: str) -> list[tuple]:
    """Township institutions; a 街道 has a community health centre and no rural stations."""
    if not town.endswith("街道"):
        return TOWN_INSTITUTIONS
    return [
        (kind[0].replace("卫生院", "社区卫生服务中心"), *kind[1:])
        for kind in TOWN_INSTITUTIONS
        if not kind[0].endswith(RURAL_ONLY)
    ]


CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三 (up to 99)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens] + "十")
    return head + (CN_DIGITS[ones] if ones else "")

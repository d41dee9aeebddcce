package benchmarks

import "strings"

// Word lists for the generator. They are split once per Generator with
// strings.Fields; entries are ordered roughly from common to rare, since
// the generator draws low indexes more often (a Zipf-like skew).

const nounsText = `time year people way day man thing woman life child world school state family student group country
problem hand part place case week company system program question work government number night point home water
room mother area money story fact month lot right study book eye job word business issue side kind head house
service friend father power hour game line end member law car city community name president team minute idea kid
body information back parent face others level office door health person art war history party result change
morning reason research girl guy moment air teacher force education foot boy age policy process music market sense
nation plan college interest death experience effect class control care field development role effort rate heart
drug show leader light voice wife police mind price report decision son view relationship town road arm difference
value building action model season society tax director position player record paper space ground form event
official matter center couple site project activity star table need court oil situation cost industry figure
street image phone data picture practice piece land product doctor wall patient worker news test movie north love
support technology step baby computer type attention film tree source organization hair window evidence population
site county camera garden bridge river kitchen budget contract engine battery bottle recipe ingredient festival
museum library airport hospital factory farm harbor island valley mountain forest coast station platform
trail ticket menu customer supplier shipment package invoice warranty feature update release version device screen
keyboard router network server account password signal sensor chart survey sample method theory measure element
volunteer neighbor visitor tourist resident driver pilot artist author writer editor engineer scientist nurse
student manager owner founder investor tenant landlord council committee agency court ministry union league`

// Irregular plurals; everything else takes -s / -es / -ies.
const irregularPlurals = `man:men woman:women child:children person:people foot:feet tooth:teeth mouse:mice analysis:analyses
thesis:theses criterion:criteria phenomenon:phenomena life:lives knife:knives wife:wives leaf:leaves shelf:shelves
half:halves fish:fish sheep:sheep series:series species:species kid:kids data:data news:news information:information
police:police money:money music:music evidence:evidence research:research health:health education:education love:love
air:air oil:oil water:water hair:hair`

// Verbs as base/past/participle; a bare base is regular.
const verbsText = `say/said/said make/made/made go/went/gone take/took/taken come/came/come see/saw/seen know/knew/known
get/got/gotten give/gave/given find/found/found think/thought/thought tell/told/told become/became/become show/showed/shown
leave/left/left feel/felt/felt put/put/put bring/brought/brought begin/began/begun keep/kept/kept hold/held/held
write/wrote/written stand/stood/stood hear/heard/heard let/let/let mean/meant/meant set/set/set meet/met/met
run/ran/run pay/paid/paid sit/sat/sat speak/spoke/spoken lead/led/led grow/grew/grown lose/lost/lost fall/fell/fallen
send/sent/sent build/built/built understand/understood/understood draw/drew/drawn break/broke/broken spend/spent/spent
cut/cut/cut rise/rose/risen drive/drove/driven buy/bought/bought wear/wore/worn choose/chose/chosen sell/sold/sold
win/won/won teach/taught/taught catch/caught/caught fight/fought/fought throw/threw/thrown
use want look ask work seem call try need help turn start play move live believe happen provide include continue
change watch follow stop create open walk offer remember consider appear serve expect suggest raise pass report
decide return explain hope develop carry receive agree support reach remain produce allow add require improve
reduce increase describe replace review compare announce approve publish launch measure test install update
design manage visit protect prepare finish complete discuss reveal deliver collect share fix check confirm
record train order cover claim expand mention notice repair repeat estimate predict track handle launch invite
accept adjust avoid borrow celebrate clean combine connect convince delay depend discover enjoy examine fail`

const adjectivesText = `new good first last long great little own other old right big high different small large next early
young important few public bad same able local sure free better true whole real best clear recent certain personal
open red difficult available likely short single medical current wrong private past foreign fine common poor natural
significant similar hot dead central happy serious ready simple left physical general environmental financial blue
democratic dark various entire close legal religious cold final main green nice huge popular traditional cultural
quiet strong modern careful heavy bright narrow wide fresh busy cheap expensive rare safe quick slow warm dry wet
steady sharp smooth rough loud gentle brief rapid detailed regional urban rural annual weekly seasonal digital
reliable efficient affordable portable official temporary permanent unusual typical obvious minor major broad
stable sudden gradual limited generous honest patient curious nervous proud confident crowded empty remote`

const adverbsText = `also just now even still then here only well very too often really almost always never already
quickly finally actually probably usually simply recently certainly clearly perhaps slowly nearly exactly directly
carefully especially suddenly easily quietly largely mostly rarely sometimes together instead eventually currently
gradually briefly mainly frequently previously roughly steadily widely increasingly surprisingly`

const firstNamesText = `James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Betty Mark Sandra Donald Ashley Steven
Emily Paul Kimberly Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah Timothy
Stephanie Ronald Rebecca Jason Laura Edward Helen Ryan Sharon Jacob Cynthia Gary Amy Nicholas Angela Eric Anna
Priya Wei Ahmed Fatima Lucas Sofia Mateo Yuki Hiroshi Olga Ivan Chloe Noah Amara Kofi Lars Ingrid Diego Camila`

const lastNamesText = `Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis
Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera
Campbell Mitchell Carter Roberts Patel Chen Wang Kim Singh Kowalski Novak Schmidt Rossi Dubois Okafor Tanaka
Ivanova Larsen Silva Costa Murphy O'Brien Fischer Weber Yamamoto Haddad Mensah Bianchi Lindqvist`

const citiesText = `London Chicago Houston Phoenix Denver Seattle Boston Atlanta Portland Austin Dallas Toronto Vancouver
Melbourne Sydney Dublin Manchester Leeds Glasgow Berlin Munich Hamburg Paris Lyon Madrid Barcelona Lisbon Rome Milan
Vienna Prague Warsaw Oslo Stockholm Helsinki Copenhagen Amsterdam Rotterdam Brussels Zurich Geneva Nairobi Lagos
Accra Cairo Mumbai Delhi Bangalore Singapore Jakarta Manila Seoul Osaka Tokyo Auckland Lima Bogota Santiago`

const orgPartsText = `North South East West River Lake Summit Harbor Pine Oak Cedar Granite Silver Blue Green Golden Valley
Bridge Stone Maple Atlas Apex Beacon Crescent Horizon Meridian Pioneer Sterling Union Vertex`

const orgSuffixText = `Bank Labs Group Partners Media Health Foods Energy Motors Systems Analytics Logistics Press Council
Foundation University College Hospital Museum Institute Software Networks Airlines Insurance Capital Studios`

const titlesText = `spokesperson director analyst professor researcher manager engineer chief economist coach chef
mayor councillor curator librarian developer consultant lawyer nurse farmer teacher`

// topic is a domain with its own vocabulary, so documents differ in their
// word distribution as real web text does.
type topicWords struct{ nouns, verbs, adjs string }

var topicTexts = []topicWords{
	{`match season coach striker goal defender referee stadium league fan tournament injury transfer midfield
trophy penalty sprint lap pitch squad`, `score defend tackle qualify train coach sign`, `unbeaten defensive attacking
injured decisive home away`},
	{`smartphone laptop app software update chip processor display battery cloud server browser startup platform
feature developer bug patch cable charger`, `download install upgrade reboot launch ship debug compile stream
sync`, `wireless faster compatible encrypted open-source beta refurbished`},
	{`recipe oven flour butter garlic onion sauce pan dough salad soup pepper spice sugar lemon cheese broth
vegetable knife skillet`, `bake stir chop simmer roast whisk season slice grill marinate`, `crispy tender fresh
savory sweet spicy creamy golden`},
	{`election senator vote ballot campaign candidate parliament minister bill reform coalition poll debate
district voter constitution treaty mandate`, `vote elect campaign veto debate nominate ratify`, `political
partisan federal municipal bipartisan controversial`},
	{`flight hotel beach passport itinerary hostel museum cathedral ferry village guide backpack visa cruise
resort trail luggage souvenir`, `travel explore book hike cruise visit pack`, `scenic historic crowded remote
coastal charming affordable`},
	{`patient symptom vaccine clinic therapy diet exercise sleep blood doctor nurse treatment infection trial dose
hospital vitamin allergy`, `diagnose treat prescribe recover vaccinate exercise rest`, `chronic clinical mild
severe healthy contagious preventive`},
	{`stock market investor inflation interest bond portfolio dividend loan mortgage revenue profit earnings
currency bank share fund`, `invest borrow lend trade hedge rally decline`, `bullish volatile quarterly fiscal
monetary profitable`},
	{`planet telescope galaxy molecule cell protein gene experiment laboratory fossil climate species orbit
particle sample hypothesis`, `observe measure analyze sequence detect publish simulate`, `genetic molecular
orbital experimental peer-reviewed microscopic`},
	{`garden soil seed tomato compost shrub lawn fence bulb pot greenhouse weed rose hedge mulch`, `plant prune
water harvest dig fertilize`, `perennial organic shady drought-tolerant leafy`},
	{`album song guitar concert band singer lyric tour festival drummer record label chorus melody studio`,
		`perform record release tour rehearse`, `acoustic live catchy experimental`},
	{`film director actor scene script sequel premiere trailer cast studio screen critic audience`, `direct
film premiere stream cast`, `dramatic animated cinematic low-budget`},
	{`classroom student teacher exam curriculum homework semester lecture tuition scholarship campus degree`,
		`enroll graduate study teach grade`, `academic online remote elementary`},
}

const boilerplateText = `Share this article|Subscribe to our newsletter|Read more|All rights reserved.|Cookie settings
|Advertisement|Related articles|Sign up for free updates|Click here to continue reading|Terms of use|Privacy policy
|Back to top|Leave a comment|Posted in Uncategorized|Follow us on social media`

// Chinese vocabulary.
const (
	zhSubjects = `人们 市民 学生 研究人员 专家 记者 企业 政府 公司 家长 老师 医生 游客 消费者 工程师 网友 村民 年轻人 老人 用户 投资者 运动员 农民 司机`
	zhTimes    = `今天 昨天上午 去年 近年来 本周 上个月 今年以来 目前 最近 周末 春节期间 下半年 明年 近日 此前 当天晚上`
	zhPlaces   = `北京 上海 广州 深圳 成都 杭州 武汉 西安 南京 重庆 天津 苏州 长沙 郑州 青岛 厦门 昆明 大连 沈阳 哈尔滨 全国 各地 当地 社区 学校 医院 机场 农村`
	zhVerbs    = `发布 推出 表示 认为 提高 改善 参加 讨论 完成 开展 加强 支持 学习 使用 选择 关注 解决 建设 发展 推动 调整 介绍 提供 举办 购买 访问 分析 研究 保护 减少 增加 实现 参与 了解 利用`
	zhNouns    = `计划 政策 技术 产品 服务 市场 经济 教育 环境 交通 健康 文化 项目 问题 数据 系统 平台 设备 资源 质量 安全 价格 消费 旅游 就业 能源 农业 医疗 科技 住房 活动 比赛 天气 方案 规定 标准 工作 生活 收入 成本`
	zhAdjs     = `重要 明显 稳定 丰富 便利 安全 严重 良好 积极 复杂 新的 传统 普遍 有效 合理 显著 主要 基本 困难 简单`
	zhAdvs     = `已经 正在 进一步 不断 非常 比较 逐渐 明显 仍然 一直 尤其 特别 基本上 大大 越来越`
	zhConn     = `但是 因此 同时 此外 而且 不过 另外 所以 然而 于是 总之 其实`
	zhMeasures = `个 项 家 位 种 次 批 条 所 座`
	zhNumbers  = `一 两 三 四 五 六 七 八 九 十 几 数十 上百 多`
)

// Code vocabulary.
const (
	identNouns = `user item order config client server request response handler cache buffer record value result error
key token count index name path file line node list map queue event message payload status session account
price total limit offset page batch worker job task state context logger metric report row column field schema`
	identVerbs = `get set load save parse build create update delete fetch send read write open close start stop
handle process validate render compute convert format merge filter sort find check init reset flush apply`
	pyModules = `os sys json re time logging pathlib typing collections itertools functools datetime requests
numpy pandas yaml argparse subprocess asyncio dataclasses random math hashlib`
	goPackages = `fmt os io strings bytes errors context time sync net/http encoding/json sort strconv bufio log
path/filepath math`
	jsModules = `fs path http express react lodash axios dotenv crypto events util url`
	langs     = `Python Go JavaScript TypeScript Rust Java SQL Bash C++ Ruby`
)

// vocab holds the split word lists. It is immutable after newVocab.
type vocab struct {
	nouns, plurals    []string
	verbs             []verbForms
	adjs, advs        []string
	first, last       []string
	cities            []string
	orgParts, orgSuf  []string
	titles            []string
	topics            []topic
	boilerplate       []string
	zhSubj, zhTime    []string
	zhPlace, zhVerb   []string
	zhNoun, zhAdj     []string
	zhAdv, zhConn     []string
	zhMeasure, zhNum  []string
	idNouns, idVerbs  []string
	pyMods, goPkgs    []string
	jsMods, languages []string
}

type verbForms struct{ base, third, past, part string }

type topic struct {
	nouns, plurals []string
	verbs          []verbForms
	adjs           []string
}

func newVocab() *vocab {
	irr := map[string]string{}
	for _, p := range strings.Fields(irregularPlurals) {
		s, pl, _ := strings.Cut(p, ":")
		irr[s] = pl
	}
	plural := func(ns []string) []string {
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = pluralOf(n, irr)
		}
		return out
	}
	verbs := func(s string) []verbForms {
		var out []verbForms
		for _, f := range strings.Fields(s) {
			out = append(out, verbOf(f))
		}
		return out
	}
	v := &vocab{
		nouns: strings.Fields(nounsText), verbs: verbs(verbsText),
		adjs: strings.Fields(adjectivesText), advs: strings.Fields(adverbsText),
		first: strings.Fields(firstNamesText), last: strings.Fields(lastNamesText),
		cities: strings.Fields(citiesText), orgParts: strings.Fields(orgPartsText),
		orgSuf: strings.Fields(orgSuffixText), titles: strings.Fields(titlesText),
		zhSubj: strings.Fields(zhSubjects), zhTime: strings.Fields(zhTimes), zhPlace: strings.Fields(zhPlaces),
		zhVerb: strings.Fields(zhVerbs), zhNoun: strings.Fields(zhNouns), zhAdj: strings.Fields(zhAdjs),
		zhAdv: strings.Fields(zhAdvs), zhConn: strings.Fields(zhConn), zhMeasure: strings.Fields(zhMeasures),
		zhNum: strings.Fields(zhNumbers), idNouns: strings.Fields(identNouns), idVerbs: strings.Fields(identVerbs),
		pyMods: strings.Fields(pyModules), goPkgs: strings.Fields(goPackages), jsMods: strings.Fields(jsModules),
		languages: strings.Fields(langs),
	}
	v.plurals = plural(v.nouns)
	for _, b := range strings.Split(boilerplateText, "|") {
		v.boilerplate = append(v.boilerplate, strings.TrimSpace(b))
	}
	for _, t := range topicTexts {
		ns := strings.Fields(t.nouns)
		v.topics = append(v.topics, topic{nouns: ns, plurals: plural(ns), verbs: verbs(t.verbs), adjs: strings.Fields(t.adjs)})
	}
	return v
}

func pluralOf(n string, irr map[string]string) string {
	if p, ok := irr[n]; ok {
		return p
	}
	switch {
	case strings.HasSuffix(n, "s"), strings.HasSuffix(n, "x"), strings.HasSuffix(n, "z"),
		strings.HasSuffix(n, "ch"), strings.HasSuffix(n, "sh"):
		return n + "es"
	case strings.HasSuffix(n, "y") && len(n) > 1 && !isVowel(n[len(n)-2]):
		return n[:len(n)-1] + "ies"
	}
	return n + "s"
}

func isVowel(c byte) bool { return strings.IndexByte("aeiou", c) >= 0 }

// verbOf parses "base" or "base/past/participle".
func verbOf(f string) verbForms {
	parts := strings.Split(f, "/")
	b := parts[0]
	vf := verbForms{base: b}
	switch {
	case strings.HasSuffix(b, "s"), strings.HasSuffix(b, "x"), strings.HasSuffix(b, "z"),
		strings.HasSuffix(b, "ch"), strings.HasSuffix(b, "sh"), strings.HasSuffix(b, "o"):
		vf.third = b + "es"
	case strings.HasSuffix(b, "y") && !isVowel(b[len(b)-2]):
		vf.third = b[:len(b)-1] + "ies"
	default:
		vf.third = b + "s"
	}
	if len(parts) == 3 {
		vf.past, vf.part = parts[1], parts[2]
		return vf
	}
	switch {
	case strings.HasSuffix(b, "e"):
		vf.past = b + "d"
	case strings.HasSuffix(b, "y") && !isVowel(b[len(b)-2]):
		vf.past = b[:len(b)-1] + "ied"
	case len(b) <= 4 && len(b) >= 3 && !isVowel(b[len(b)-1]) && isVowel(b[len(b)-2]) && !isVowel(b[len(b)-3]) &&
		strings.IndexByte("wxy", b[len(b)-1]) < 0:
		vf.past = b + b[len(b)-1:] + "ed" // stop → stopped
	default:
		vf.past = b + "ed"
	}
	vf.part = vf.past
	return vf
}

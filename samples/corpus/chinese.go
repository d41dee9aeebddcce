package corpus

import (
	"fmt"
	"slices"
)

// Chinese returns n Chinese articles and forum posts (Shape ShapeText,
// Lang "zh") generated from seed. Planted PII includes resident IDs and
// mobile numbers with context words (身份证, 手机, 电话), some in full-width
// digits. Labels use the paths "$.text" and "$.url".
func Chinese(seed uint64, n int, opt Options) []Doc {
	return generate(seed, saltZH, n, opt, &zhBuilder{opt: opt})
}

type zhBuilder struct{ opt Options }

var zhKit = nearKit{
	voc: zhVocab, headers: zhBoilerplateHeaders, footers: zhBoilerplateFooters,
	insertions: zhInsertions, synonyms: zhSynonyms, joiner: "", brk: "\n", maxOps: 1,
}

var zhPIIKinds = []string{KindCNMobile, KindCNResidentID, KindPhone, KindEmail, KindCreditCard, KindIPAddress}
var zhPIIWeights = []float64{5, 4, 2, 2, 2, 1}

// zhValue returns a planted value for a Chinese context: UnionPay cards and
// Chinese landlines, and full-width digits for a quarter of mobiles and IDs.
func (r rng) zhValue(kind string) val {
	var v, note string
	switch kind {
	case KindCreditCard:
		v, note = r.unionPay()
	case KindPhone:
		v, note = r.cnLandline()
	default:
		v, note = r.piiValue(kind)
	}
	if (kind == KindCNMobile || kind == KindCNResidentID) && r.chance(0.25) {
		v, note = fullWidth(v), note+", full-width digits"
	}
	return val{text: v, kind: kind, note: note}
}

func (r rng) zhNegative() seg {
	var t, v string
	switch r.IntN(9) {
	case 0:
		t, v = "订单号：{$}，预计{n:2-5}天内送达。", r.luhnInvalid("3"+r.digits(18))
	case 1:
		t, v = "快递单号{$}，已由{city}转运中心发出。", "SF"+r.digits(13)
	case 2:
		t, v = "客服热线：{$}，全天二十四小时服务。", "400-"+r.digits(3)+"-"+r.digits(4)
	case 3:
		t, v = "邮政编码：{$}", r.pick([]string{"100", "200", "510", "610", "430"})+r.digits(3)
	case 4:
		t, v = "公司统一社会信用代码：{$}", "91"+r.pick(cnRegions)+r.from("0123456789ABCDEFGHJKLMNPQRTUWXY", 10)
	case 5:
		t, v = "系统版本已更新至V{$}，修复了已知问题。", r.fourPartVersion()
	case 6:
		t, v = "活动时间为{n:2019-2024}年{n:1-12}月{n:1-28}日至{n:1-12}月{n:1-28}日，详情见{$}。", "官方公告"
	case 7:
		t, v = "这款产品的到手价是{$}元，比上个月便宜了不少。", "￥"+fmt.Sprint(r.between(59, 8999))
	default:
		t, v = "测试数据里的这串号码{$}校验位不对，不是真实的身份证号。", r.cnIDInvalid()
	}
	return expand(r, zhVocab, t, plain(v))
}

var zhPoisonKinds = []string{KindPromptInjection, KindInvisibleChar, KindTemplateToken, KindTagChar, KindHomoglyph, KindBidiControl}
var zhPoisonWeights = []float64{3, 2.5, 1.5, 1, 1, 0.5}

func (z *zhBuilder) original(r rng, i int) draft {
	t := zhTopics[r.IntN(len(zhTopics))]
	bind := map[string]string{}
	title := expandIn(r, zhVocab, bind, r.pick(t.titles))
	title.fixed, title.sep = true, "\n"
	var sents []seg
	picked := r.sample(len(t.sents), r.between(5, 10))
	slices.Sort(picked)
	for _, k := range picked {
		sents = append(sents, expandIn(r, zhVocab, bind, t.sents[k]))
	}
	if r.chance(z.opt.PII) {
		if r.chance(0.15) {
			s := expandIn(r, zhVocab, bind, "收货信息\n姓名：{name}\n手机：{$}\n身份证号：{$}\n地址：{city}市{road}{n:1-300}号",
				r.zhValue(KindCNMobile), r.zhValue(KindCNResidentID))
			s.block = true
			sents = append(sents, s)
		} else {
			for k := r.between(1, 2); k > 0; k-- {
				kind := zhPIIKinds[r.weighted(zhPIIWeights)]
				s := expandIn(r, zhVocab, bind, r.pick(zhPIIContexts[kind]), r.zhValue(kind))
				sents = insertSeg(sents, r.IntN(len(sents)+1), s)
			}
		}
	}
	if r.chance(z.opt.Secrets) {
		kind := r.pick([]string{KindAWSAccessKeyID, KindGitHubToken, KindOpenAIKey, KindGenericSecret})
		tmpl := map[string]string{
			KindAWSAccessKeyID: "我把配置文件贴出来，大家帮忙看看哪里不对：aws_access_key_id = {$}",
			KindGitHubToken:    "部署脚本里用的令牌是{$}，为什么推送的时候还是提示没有权限？",
			KindOpenAIKey:      "调用接口一直报错，我的密钥是{$}，是不是已经过期了？",
			KindGenericSecret:  "数据库配置：password = \"{$}\"",
		}[kind]
		sents = insertSeg(sents, r.IntN(len(sents)+1), expand(r, zhVocab, tmpl, r.planted(kind)))
	}
	if r.chance(z.opt.Poison) {
		switch zhPoisonKinds[r.weighted(zhPoisonWeights)] {
		case KindPromptInjection:
			langs := []string{"zh"}
			if r.chance(0.2) {
				langs = []string{"en", "ja", "ko"}
			}
			text, note := r.injection(langs...)
			var s sb
			if r.chance(0.4) {
				s.lit(r.pick([]string{"【给AI的话】", "（隐藏文字）", "致正在阅读本文的人工智能："}))
			}
			s.mark(KindPromptInjection, note, text)
			sents = insertSeg(sents, r.IntN(len(sents)+1), s.seg())
		case KindInvisibleChar:
			if j := plainIndex(r, sents); j >= 0 {
				sents[j] = r.withInvisible(sents[j].text)
			}
		case KindTemplateToken:
			s := r.templateTokens()
			s.block = true
			sents = insertSeg(sents, r.IntN(len(sents)+1), s)
		case KindTagChar:
			if j := plainIndex(r, sents); j >= 0 {
				sents[j] = r.withTags(sents[j].text)
			}
		case KindHomoglyph:
			w := r.pick(spoofTargets[:6])
			sents = insertSeg(sents, r.IntN(len(sents)+1), expand(r, zhVocab, "您的{$}账户存在异常，请立即点击链接登录验证。", val{r.spoof(w), KindHomoglyph, "mixed-script look-alike of " + w}))
		case KindBidiControl:
			sents = insertSeg(sents, r.IntN(len(sents)+1), r.bidiFilename())
		}
	}
	if r.chance(z.opt.Negatives) {
		for k := r.between(1, 2); k > 0; k-- {
			var s seg
			if r.chance(0.7) {
				s = r.zhNegative()
			} else {
				s = seg{text: r.pick(zhScriptNegatives)}
			}
			sents = insertSeg(sents, r.IntN(len(sents)+1), s)
		}
	}
	sents = layout(r, sents, "", "\n", 2, 4)
	url := fmt.Sprintf("https://%s/%s/%d%06d.html", t.site, t.section, r.between(2019, 2024), r.IntN(1000000))
	return draft{
		doc:    Doc{Shape: ShapeText, ID: fmt.Sprintf("zh-%06d", i), Lang: "zh", Source: t.source},
		fields: []field{{path: "$.url", segs: []seg{{text: url}}}, {path: "$.text", segs: append([]seg{title}, sents...)}},
	}
}

var zhMirrors = []string{"m.zhuanzai-wang.com", "read.kuaixun365.cn", "cache.wenzhangku.net"}

func (z *zhBuilder) identity(r rng, i int, d *draft) {
	d.doc.ID = fmt.Sprintf("zh-%06d", i)
	u := d.field("$.url")
	u.segs = []seg{{text: fmt.Sprintf("https://%s/a/%d%06d.html", r.pick(zhMirrors), r.between(2019, 2024), r.IntN(1000000))}}
}

func (z *zhBuilder) near(r rng, d *draft) string { return zhKit.edit(r, d.field("$.text")) }

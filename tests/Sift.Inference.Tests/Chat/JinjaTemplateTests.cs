using Sift.Inference.Chat.Jinja;

namespace Sift.Inference.Tests.Chat;

/// <summary>Chat templates of well-known models rendered as Hugging Face's apply_chat_template renders them.</summary>
public sealed class JinjaTemplateTests
{
    private static List<object?> Messages(params (string Role, string Content)[] ms) =>
        ms.Select(m => (object?)new Dictionary<string, object?> { ["role"] = m.Role, ["content"] = m.Content }).ToList();

    private static string Render(string template, List<object?> messages, bool addGenerationPrompt = true, string bos = "<s>", string eos = "</s>") =>
        JinjaTemplate.Parse(template).Render(new Dictionary<string, object?>
        {
            ["messages"] = messages,
            ["add_generation_prompt"] = addGenerationPrompt,
            ["bos_token"] = bos,
            ["eos_token"] = eos,
        });

    // Qwen2 / ChatML (tokenizer_config.json of Qwen/Qwen2-0.5B-Instruct).
    private const string Qwen2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    // TinyLlama-1.1B-Chat / Zephyr: relies on trim_blocks and lstrip_blocks.
    private const string Zephyr = "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";

    // Llama 2 chat: slicing, alternation check with raise_exception, string methods.
    private const string Llama2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    // Llama 3 instruct: a filter binding tighter than +.
    private const string Llama3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

    // Qwen2.5-Math-Instruct: whitespace control, attribute access on dicts, a default system prompt, a tools branch
    // that must parse even when it is not taken.
    private const string Qwen25Math = "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' %}\n        {{- messages[0]['content'] }}\n    {%- else %}\n        {{- 'Please reason step by step, and put your final answer within \\\\boxed{}.' }}\n    {%- endif %}\n    {%- for tool in tools %}\n        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n{%- else %}\n    {%- if messages[0]['role'] == 'system' %}\n        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- else %}\n        {{- '<|im_start|>system\\nPlease reason step by step, and put your final answer within \\\\boxed{}.<|im_end|>\\n' }}\n    {%- endif %}\n{%- endif %}\n{%- for message in messages %}\n    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\" and not message.tool_calls) %}\n        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n    {%- elif message.role == \"assistant\" %}\n        {{- '<|im_start|>' + message.role }}\n        {%- if message.content %}\n            {{- '\\n' + message.content }}\n        {%- endif %}\n        {%- for tool_call in message.tool_calls %}\n            {%- if tool_call.function is defined %}\n                {%- set tool_call = tool_call.function %}\n            {%- endif %}\n            {{- '\\n<tool_call>\\n{\"name\": \"' }}\n            {{- tool_call.name }}\n            {{- '\", \"arguments\": ' }}\n            {{- tool_call.arguments | tojson }}\n            {{- '}\\n</tool_call>' }}\n        {%- endfor %}\n        {{- '<|im_end|>\\n' }}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n";

    [Fact]
    public void Qwen2_ChatMl_WithDefaultSystem()
    {
        Assert.Equal("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n",
            Render(Qwen2, Messages(("user", "2+2?"))));
    }

    [Fact]
    public void Zephyr_TrimBlocksAndLstripBlocks()
    {
        Assert.Equal("<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\n",
            Render(Zephyr, Messages(("system", "Be brief."), ("user", "Hi"))));
        Assert.Equal("<|user|>\nHi</s>\n", Render(Zephyr, Messages(("user", "Hi")), addGenerationPrompt: false));
    }

    [Fact]
    public void Llama2_SystemFoldedIntoFirstTurn_AndAlternationEnforced()
    {
        Assert.Equal("<s>[INST] <<SYS>>\nSys\n<</SYS>>\n\nHello [/INST] Hi there </s><s>[INST] Again [/INST]",
            Render(Llama2, Messages(("system", "Sys"), ("user", "Hello "), ("assistant", " Hi there  "), ("user", "Again"))));
        var ex = Assert.Throws<JinjaException>(() => Render(Llama2, Messages(("user", "a"), ("user", "b"))));
        Assert.Contains("must alternate", ex.Message);
    }

    [Fact]
    public void Llama3_FilterBindsTighterThanPlus()
    {
        Assert.Equal("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            Render(Llama3, Messages(("user", "  Hi \n")), bos: "<|begin_of_text|>"));
    }

    [Fact]
    public void Qwen25Math_WhitespaceControl_AndUntakenToolsBranch()
    {
        Assert.Equal("<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n<|im_start|>user\n1+1<|im_end|>\n<|im_start|>assistant\n",
            Render(Qwen25Math, Messages(("user", "1+1"))));
        Assert.Equal("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n",
            Render(Qwen25Math, Messages(("system", "S"), ("user", "Q"), ("assistant", "A")), addGenerationPrompt: false));
    }

    [Theory]
    [InlineData("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}", "3")]
    [InlineData("{% set x = 1 %}{% for m in messages %}{% set x = 5 %}{% endfor %}{{ x }}", "1")]
    [InlineData("{% for m in messages if m.role != 'system' %}{{ loop.index }}{{ m.content }}{% endfor %}", "1b2c")]
    [InlineData("{{ messages | length }} {{ messages[-1].content | upper }} {{ (messages | first).role }}", "3 C system")]
    [InlineData("{{ 'a,b,c'.split(',')[-1] }}{{ 'x' ~ 3 }}{{ 7 // 2 }}{{ 7 % 3 }}{{ 2 ** 3 }}", "cx3318")]
    [InlineData("{{ none }}|{{ undefined_name }}|{{ true }}|{{ [1, 'a'] }}|{{ {'k': 1} | tojson }}", "None||True|[1, 'a']|{\"k\": 1}")]
    [InlineData("{% if messages[0].content is defined and messages[5] is not defined %}ok{% endif %}", "ok")]
    [InlineData("{{ 'yes' if 'b' in 'abc' else 'no' }}{{ 'yes' if 'z' not in ['a'] else 'no' }}", "yesyes")]
    [InlineData("{% for i in range(3) %}{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% endfor %}", "02")]
    [InlineData("{% macro t(x, y='!') %}<{{ x }}{{ y }}>{% endmacro %}{{ t('a') }}{{ t('b', y='?') }}", "<a!><b?>")]
    [InlineData("{{- '  a  ' -}}   {# comment #}  {{ 'b' }}", "  a    b")]
    [InlineData("{{ messages[1:] | map(attribute='content') | join('+') }}", "b+c")]
    [InlineData("{%- set s %}in{{ 1 }}{% endset -%}{{ s }}", "in1")]
    public void Expressions_And_Statements(string template, string expected)
    {
        Assert.Equal(expected, Render(template, Messages(("system", "a"), ("user", "b"), ("assistant", "c"))));
    }

    [Theory]
    [InlineData("{% for x in y %}")]
    [InlineData("{{ 1 + }}")]
    [InlineData("{% include 'other.jinja' %}")]
    [InlineData("{{ 'unterminated }}")]
    public void UnsupportedOrBrokenSyntax_IsAParseError(string template)
    {
        Assert.Throws<JinjaException>(() => JinjaTemplate.Parse(template));
    }
}
